#include "server/launchplan.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <ostream>

void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

using namespace Llamadesk;

namespace
{
class LaunchPlanTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(m_dir.isValid());
        const QString bin = m_dir.filePath(QStringLiteral("build/bin"));
        QDir().mkpath(bin);
        m_program = bin + u"/llama-server";
        QFile file(m_program);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.close();
        ASSERT_TRUE(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                        | QFileDevice::ExeOwner));
        m_config.executable = m_program;
        m_config.model = QStringLiteral("/models/tiny.gguf");
        m_base.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
        m_base.insert(QStringLiteral("HOME"), QStringLiteral("/home/me"));
    }

    LaunchPlan plan(int port = 8080) const
    {
        auto result = buildLaunchPlan(m_config, port, m_base);
        if (auto *error = std::get_if<QString>(&result)) {
            ADD_FAILURE() << error->toStdString();
            return {};
        }
        return std::get<LaunchPlan>(result);
    }

    QString error(int port = 8080) const
    {
        const auto result = buildLaunchPlan(m_config, port, m_base);
        const QString *message = std::get_if<QString>(&result);
        return message ? *message : QStringLiteral("(no error)");
    }

    QTemporaryDir m_dir;
    QString m_program;
    ServerConfig m_config;
    QProcessEnvironment m_base;
};

QStringList split(const char *arguments)
{
    return QString::fromUtf8(arguments).split(u' ');
}
} // namespace

TEST_F(LaunchPlanTest, TextModelArguments)
{
    const LaunchPlan p = plan();
    EXPECT_EQ(p.program, m_program);
    EXPECT_EQ(p.arguments, split("-m /models/tiny.gguf --host 127.0.0.1 --port 8080 -c 4096 -ngl 999"));
    EXPECT_EQ(p.host, QStringLiteral("127.0.0.1"));
    EXPECT_EQ(p.port, 8080);
}

TEST_F(LaunchPlanTest, ProjectorParallelSlotsAndGpuLayers)
{
    m_config.mmproj = QStringLiteral("/models/mmproj.gguf");
    m_config.parallel = 4;
    m_config.gpuLayers = 20;
    m_config.contextSize = 8192;
    m_config.host = QStringLiteral("localhost");
    EXPECT_EQ(plan(18080).arguments,
              split("-m /models/tiny.gguf --mmproj /models/mmproj.gguf --host localhost "
                    "--port 18080 -c 8192 -np 4 -ngl 20"));
}

TEST_F(LaunchPlanTest, ZeroGpuLayersStayOnTheCpu)
{
    m_config.gpuLayers = 0;
    EXPECT_EQ(plan().arguments.mid(plan().arguments.indexOf(QStringLiteral("-ngl"))), split("-ngl 0"));
}

TEST_F(LaunchPlanTest, ExtraArgumentsAreSplitLikeAShellAndComeLast)
{
    m_config.extraArgs = QStringLiteral("--flash-attn on --alias \"my model\" --jinja");
    const QStringList arguments = plan().arguments;
    EXPECT_EQ(arguments.mid(arguments.size() - 5),
              (QStringList{QStringLiteral("--flash-attn"), QStringLiteral("on"), QStringLiteral("--alias"),
                           QStringLiteral("my model"), QStringLiteral("--jinja")}));
}

TEST_F(LaunchPlanTest, RelativeModelPathsAreMadeAbsolute)
{
    m_config.model = QStringLiteral("models/tiny.gguf");
    m_config.mmproj = QStringLiteral("./mmproj.gguf");
    const QStringList arguments = plan().arguments;
    EXPECT_EQ(arguments.at(1), QDir::current().absoluteFilePath(QStringLiteral("models/tiny.gguf")));
    EXPECT_EQ(arguments.at(3), QDir::current().absoluteFilePath(QStringLiteral("mmproj.gguf")));
}

TEST_F(LaunchPlanTest, ProgramRunsInItsOwnFolder)
{
    m_config.executable = m_dir.filePath(QStringLiteral("build/bin"));
    const LaunchPlan p = plan();
    EXPECT_EQ(p.program, m_program);
    EXPECT_EQ(p.workingDirectory, m_dir.filePath(QStringLiteral("build/bin")));
}

TEST_F(LaunchPlanTest, ApiKeyTravelsInTheEnvironmentOnly)
{
    m_config.apiKey = QStringLiteral("s3cret-key");
    const LaunchPlan p = plan();
    EXPECT_EQ(p.environment.value(QStringLiteral("LLAMA_API_KEY")), QStringLiteral("s3cret-key"));
    for (const QString &argument : p.arguments)
        EXPECT_FALSE(argument.contains(QStringLiteral("s3cret"))) << argument.toStdString();
    EXPECT_FALSE(p.displayCommandLine().contains(QStringLiteral("s3cret")));
    EXPECT_EQ(p.environment.value(QStringLiteral("PATH")), QStringLiteral("/usr/bin:/bin"));
    EXPECT_EQ(p.environment.value(QStringLiteral("HOME")), QStringLiteral("/home/me"));
}

TEST_F(LaunchPlanTest, UserEnvironmentCannotOverrideManagedOptions)
{
    m_base.insert(QStringLiteral("LLAMA_API_KEY"), QStringLiteral("from-the-shell"));
    m_base.insert(QStringLiteral("LLAMA_ARG_MMPROJ"), QStringLiteral("/other/mmproj.gguf"));
    m_base.insert(QStringLiteral("LLAMA_ARG_MODEL"), QStringLiteral("/other/model.gguf"));
    m_base.insert(QStringLiteral("LLAMA_ARG_HOST"), QStringLiteral("0.0.0.0"));
    m_base.insert(QStringLiteral("LLAMA_ARG_PORT"), QStringLiteral("1234"));
    m_base.insert(QStringLiteral("LLAMA_ARG_THREADS"), QStringLiteral("2"));
    const QProcessEnvironment environment = plan().environment;
    for (const char *name :
         {"LLAMA_API_KEY", "LLAMA_ARG_MMPROJ", "LLAMA_ARG_MODEL", "LLAMA_ARG_HOST", "LLAMA_ARG_PORT"})
        EXPECT_FALSE(environment.contains(QString::fromLatin1(name))) << name;
    EXPECT_EQ(environment.value(QStringLiteral("LLAMA_ARG_THREADS")), QStringLiteral("2"))
            << "not a managed option";
}

TEST_F(LaunchPlanTest, ManagedOptionsInTheExtraArgumentsAreRefused)
{
    const struct
    {
        const char *extra;
        const char *option;
        const char *setting;
    } cases[] = {
            {"-m /other.gguf", "-m", "Model"},
            {"--model /other.gguf", "--model", "Model"},
            {"--jinja --model=/other.gguf", "--model", "Model"},
            {"-mm /p.gguf", "-mm", "Multimodal projector"},
            {"--mmproj /p.gguf", "--mmproj", "Multimodal projector"},
            {"--host 0.0.0.0", "--host", "Host"},
            {"--port 9000", "--port", "Port"},
            {"--port=9000", "--port", "Port"},
            {"--api-key abc", "--api-key", "API key"},
            {"--api-key-file /k.txt", "--api-key-file", "API key"},
            {"--api_key abc", "--api-key", "API key"},
    };
    for (const auto &c : cases) {
        m_config.extraArgs = QString::fromLatin1(c.extra);
        EXPECT_EQ(error(),
                  QStringLiteral("The extra arguments contain %1, which Llamadesk sets itself: use the %2 "
                                 "setting instead.")
                          .arg(QString::fromLatin1(c.option), QString::fromLatin1(c.setting)))
                << c.extra;
    }
}

TEST_F(LaunchPlanTest, SimilarLookingOptionsAreAllowed)
{
    m_config.extraArgs =
            QStringLiteral("--model-draft /d.gguf --no-mmproj-offload --mmproj-offload --portable");
    const QStringList arguments = plan().arguments;
    EXPECT_TRUE(arguments.contains(QStringLiteral("--model-draft")));
    EXPECT_TRUE(arguments.contains(QStringLiteral("--portable")));
}

TEST_F(LaunchPlanTest, FailsWithoutWhatItNeeds)
{
    EXPECT_EQ(error(0), QStringLiteral("Port 0 is out of range (1–65535)."));
    EXPECT_EQ(error(65536), QStringLiteral("Port 65536 is out of range (1–65535)."));
    m_config.executable = QStringLiteral("llama-server-surely-not-on-path");
    EXPECT_EQ(error(),
              QStringLiteral("The llama-server executable llama-server-surely-not-on-path is not on PATH."));
    m_config.executable = m_program;
    m_config.model.clear();
    EXPECT_EQ(error(), QStringLiteral("No model is selected."));
}

TEST_F(LaunchPlanTest, BaseUrlPutsIpv6InBrackets)
{
    LaunchPlan p;
    p.port = 8080;
    p.host = QStringLiteral("127.0.0.1");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://127.0.0.1:8080"));
    p.host = QStringLiteral("::1");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://[::1]:8080"));
    p.host = QStringLiteral("[::1]");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://[::1]:8080"));
    p.host = QStringLiteral("localhost");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://localhost:8080"));
}

TEST_F(LaunchPlanTest, BaseUrlReachesAWildcardHostThroughLoopback)
{
    LaunchPlan p;
    p.port = 18080;
    p.host = QStringLiteral("0.0.0.0");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://127.0.0.1:18080"));
    p.host = QStringLiteral("::");
    EXPECT_EQ(p.baseUrl().toString(), QStringLiteral("http://[::1]:18080"));
}

TEST_F(LaunchPlanTest, DisplayCommandLineQuotesLikeAShell)
{
    LaunchPlan p;
    p.program = QStringLiteral("/opt/llama.cpp/bin/llama-server");
    p.arguments = QStringList{QStringLiteral("-m"),
                              QStringLiteral("/models/My Model's Q4.gguf"),
                              QStringLiteral("--alias"),
                              QString(),
                              QStringLiteral("--port"),
                              QStringLiteral("8080"),
                              QStringLiteral("--chat-template-kwargs"),
                              QStringLiteral("{\"x\":1}")};
    EXPECT_EQ(
            p.displayCommandLine(),
            QStringLiteral(
                    "/opt/llama.cpp/bin/llama-server -m '/models/My Model'\\''s Q4.gguf' --alias '' --port 8080 "
                    "--chat-template-kwargs '{\"x\":1}'"));
}

TEST_F(LaunchPlanTest, DisplayCommandLineHidesTokens)
{
    m_config.extraArgs = QStringLiteral("--hf-token hf_abcdef -hft hf_ghijk");
    const QString line = plan().displayCommandLine();
    EXPECT_FALSE(line.contains(QStringLiteral("hf_abcdef")));
    EXPECT_FALSE(line.contains(QStringLiteral("hf_ghijk")));
    EXPECT_TRUE(line.endsWith(QStringLiteral("--hf-token *** -hft ***"))) << line.toStdString();
}

TEST(ShellQuoting, QuotesOnlyWhatNeedsIt)
{
    EXPECT_EQ(shellQuoted(QStringLiteral("plain-word_1.5,a=b:c/d@e%")),
              QStringLiteral("plain-word_1.5,a=b:c/d@e%"));
    EXPECT_EQ(shellQuoted(QString()), QStringLiteral("''"));
    EXPECT_EQ(shellQuoted(QStringLiteral("two words")), QStringLiteral("'two words'"));
    EXPECT_EQ(shellQuoted(QStringLiteral("it's")), QStringLiteral("'it'\\''s'"));
    EXPECT_EQ(shellQuoted(QStringLiteral("$HOME")), QStringLiteral("'$HOME'"));
    EXPECT_EQ(shellQuoted(QStringLiteral("modèle")), QStringLiteral("'modèle'"));
}
