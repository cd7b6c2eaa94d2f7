#include "core/server/launchplan.h"
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
        auto result = buildLaunchPlan(m_config, port, m_flags, m_base);
        if (auto *error = std::get_if<QString>(&result)) {
            ADD_FAILURE() << error->toStdString();
            return {};
        }
        return std::get<LaunchPlan>(result);
    }

    QString error(int port = 8080) const
    {
        const auto result = buildLaunchPlan(m_config, port, m_flags, m_base);
        const QString *message = std::get_if<QString>(&result);
        return message ? *message : QStringLiteral("(no error)");
    }

    QTemporaryDir m_dir;
    QString m_program;
    ServerConfig m_config;
    std::optional<ServerFlags> m_flags; // unknown unless a test reads a release's --help
    QProcessEnvironment m_base;
};

// What a real release's `llama-server --help` printed (../shared/llama-server-samples/).
ServerFlags releaseFlags(const char *release)
{
    const QByteArray help = TestSupport::readFile(TestSupport::sharedDir() + u"/llama-server-samples/"
                                                  + QString::fromLatin1(release) + u"/help.txt");
    EXPECT_FALSE(help.isEmpty()) << release;
    const std::optional<ServerFlags> flags = parseHelpOutput(QString::fromUtf8(help));
    EXPECT_TRUE(flags.has_value()) << release;
    return flags.value_or(ServerFlags{});
}

QStringList split(const char *arguments)
{
    return QString::fromUtf8(arguments).split(u' ');
}
} // namespace

TEST_F(LaunchPlanTest, TextModelArguments)
{
    const LaunchPlan p = plan();
    EXPECT_EQ(p.program, m_program);
    EXPECT_EQ(p.arguments, split("-m /models/tiny.gguf --host 127.0.0.1 --port 8080 -c 4096 --alias tiny"));
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
                    "--port 18080 -c 8192 -np 4 -ngl 20 --alias tiny"));
}

TEST_F(LaunchPlanTest, ZeroGpuLayersStayOnTheCpu)
{
    m_config.gpuLayers = 0;
    EXPECT_EQ(plan().arguments.mid(plan().arguments.indexOf(QStringLiteral("-ngl")), 2), split("-ngl 0"));
}

TEST_F(LaunchPlanTest, ExtraArgumentsAreSplitLikeAShellAndComeLast)
{
    m_config.extraArgs = QStringLiteral("--flash-attn on --override-kv \"a=str:my model\" --jinja");
    const QStringList arguments = plan().arguments;
    EXPECT_EQ(arguments.mid(arguments.size() - 5),
              (QStringList{QStringLiteral("--flash-attn"), QStringLiteral("on"), QStringLiteral("--override-kv"),
                           QStringLiteral("a=str:my model"), QStringLiteral("--jinja")}));
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
            {"--alias other", "--alias", "Model"},
            {"-a other", "-a", "Model"},
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

TEST_F(LaunchPlanTest, DisplayCommandLineHidesTokensGivenAsOneArgument)
{
    m_config.extraArgs = QStringLiteral("--hf-token=hf_abcdef -hft=hf_ghijk");
    const QString line = plan().displayCommandLine();
    EXPECT_FALSE(line.contains(QStringLiteral("hf_abcdef"))) << line.toStdString();
    EXPECT_FALSE(line.contains(QStringLiteral("hf_ghijk"))) << line.toStdString();
    EXPECT_TRUE(line.endsWith(QStringLiteral("--hf-token=*** -hft=***"))) << line.toStdString();
}

TEST_F(LaunchPlanTest, DisplayCommandLineShowsTheArgumentAfterAHiddenToken)
{
    m_config.extraArgs = QStringLiteral("--hf-token hf_abcdef --hf-token=hf_ghijk -c 512");
    const QString line = plan().displayCommandLine();
    EXPECT_TRUE(line.endsWith(QStringLiteral("--hf-token *** --hf-token=*** -c 512"))) << line.toStdString();
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

TEST_F(LaunchPlanTest, TheModelIsNamedByItsFileNameThroughAlias)
{
    m_config.model = QStringLiteral("/models/Qwen3-8B,Q4_K_M.gguf");
    const LaunchPlan p = plan();
    const qsizetype alias = p.arguments.indexOf(QStringLiteral("--alias"));
    ASSERT_GE(alias, 0);
    EXPECT_EQ(p.arguments.at(alias + 1), QStringLiteral("Qwen3-8B_Q4_K_M")) << "a comma would split the alias";
    EXPECT_EQ(p.alias, p.arguments.at(alias + 1));
}

TEST_F(LaunchPlanTest, GpuLayersAutoPassesNoNgl)
{
    m_flags = releaseFlags("0.5.0");
    ASSERT_EQ(m_config.gpuLayers, ServerConfig::GpuLayersAuto) << "auto is the default";
    EXPECT_FALSE(plan().arguments.contains(QStringLiteral("-ngl")))
            << "any -ngl turns llama-server's memory fit off";
}

TEST_F(LaunchPlanTest, GpuLayersAllIsAllWhereTheBinaryTakesWordsAnd999Elsewhere)
{
    m_config.gpuLayers = ServerConfig::GpuLayersAll;
    const auto ngl = [this] {
        const QStringList arguments = plan().arguments;
        const qsizetype at = arguments.indexOf(QStringLiteral("-ngl"));
        return at < 0 ? QString() : arguments.value(at + 1);
    };
    m_flags = releaseFlags("0.5.0");
    EXPECT_EQ(ngl(), QStringLiteral("all"));
    m_flags = releaseFlags("b7347");
    EXPECT_EQ(ngl(), QStringLiteral("999")) << "b7347 takes only numbers";
    m_flags.reset();
    EXPECT_EQ(ngl(), QStringLiteral("999")) << "a binary whose help could not be read";
}

TEST_F(LaunchPlanTest, JinjaIsPassedOnlyWhereTheBinaryKnowsItAndHasItOff)
{
    m_flags = releaseFlags("0.5.0");
    EXPECT_FALSE(plan().arguments.contains(QStringLiteral("--jinja"))) << "on by default";
    m_flags = releaseFlags("b7347");
    EXPECT_FALSE(plan().arguments.contains(QStringLiteral("--jinja"))) << "its help says default: enabled";
    m_flags->jinjaByDefault = false;
    EXPECT_TRUE(plan().arguments.contains(QStringLiteral("--jinja")));
    m_flags->names.remove(QStringLiteral("--jinja"));
    EXPECT_FALSE(plan().arguments.contains(QStringLiteral("--jinja"))) << "unknown flags make it exit";
}

TEST_F(LaunchPlanTest, AManagedOptionTheBinaryLacksIsLeftOutWithANote)
{
    m_flags = releaseFlags("0.5.0");
    m_flags->names.remove(QStringLiteral("--alias"));
    m_config.parallel = 2;
    m_flags->names.remove(QStringLiteral("-np"));
    const LaunchPlan p = plan();
    EXPECT_FALSE(p.arguments.contains(QStringLiteral("--alias")));
    EXPECT_FALSE(p.arguments.contains(QStringLiteral("-np")));
    EXPECT_EQ(p.notes,
              (QStringList{QStringLiteral("This llama-server has no -np option; the number of slots is left to its default."),
                           QStringLiteral("This llama-server has no --alias option; the model's name in answers is left "
                                          "to its default.")}));
}

TEST_F(LaunchPlanTest, AnExtraArgumentTheBinaryDoesNotKnowIsRefusedBeforeLaunch)
{
    m_flags = releaseFlags("0.5.0");
    m_config.extraArgs = QStringLiteral("--flash-attn on --frobnicate 3");
    EXPECT_EQ(error(), QStringLiteral("This llama-server does not know the extra argument --frobnicate and would exit "
                                      "at once: remove it, or check its spelling against 'llama-server --help'."));
    m_config.extraArgs = QStringLiteral("--temp -0.5 --threads=4 -ts 3,1");
    EXPECT_FALSE(plan().arguments.isEmpty()) << "values and --flag=value are not unknown flags";
}

TEST_F(LaunchPlanTest, RemovedLoadingFlagsAreRefusedWithWhatReplacesThem)
{
    m_flags = releaseFlags("0.5.0");
    const struct
    {
        const char *flag;
        const char *replacement;
    } cases[] = {{"--mmap", "--load-mode mmap"}, {"--no-mmap", "--load-mode none"}, {"--mlock", "--load-mode mlock"},
                 {"-dio", "--load-mode dio"}};
    for (const auto &c : cases) {
        m_config.extraArgs = QString::fromLatin1(c.flag);
        EXPECT_EQ(error(), QStringLiteral("This llama-server no longer has %1 (it was removed from llama.cpp): use %2 "
                                          "in the extra arguments instead.")
                                   .arg(QString::fromLatin1(c.flag), QString::fromLatin1(c.replacement)));
    }
    m_flags = releaseFlags("b7347");
    m_config.extraArgs = QStringLiteral("--no-mmap --mlock");
    EXPECT_TRUE(plan().arguments.contains(QStringLiteral("--no-mmap"))) << "b7347 still has them";
}

TEST_F(LaunchPlanTest, LogFormatOptionsInTheExtraArgumentsAreRefused)
{
    for (const char *extra : {"--log-jsonl", "--log-disable", "--no-log-prefix", "--log-timestamps"}) {
        m_config.extraArgs = QString::fromLatin1(extra);
        EXPECT_EQ(error(), QStringLiteral("The extra arguments contain %1, which changes the log Llamadesk reads to "
                                          "follow the server: remove it.")
                                   .arg(QString::fromLatin1(extra)));
    }
}

TEST_F(LaunchPlanTest, VariablesThatMoveOrReshapeTheLogAreRemoved)
{
    for (const char *name : {"LLAMA_ARG_LOG_JSONL", "LLAMA_ARG_LOG_PREFIX", "LLAMA_ARG_LOG_TIMESTAMPS",
                             "LLAMA_ARG_LOG_COLORS", "LLAMA_ARG_LOG_VERBOSITY", "LLAMA_LOG_PREFIX",
                             "LLAMA_LOG_TIMESTAMPS", "LLAMA_LOG_FILE", "LLAMA_ARG_ALIAS", "LLAMA_ARG_N_GPU_LAYERS",
                             "LLAMA_ARG_CTX_SIZE", "LLAMA_ARG_N_PARALLEL", "LLAMA_ARG_NO_JINJA"})
        m_base.insert(QString::fromLatin1(name), QStringLiteral("1"));
    m_base.insert(QStringLiteral("LLAMA_ARG_THREADS"), QStringLiteral("2"));
    const QProcessEnvironment environment = plan().environment;
    const QStringList keys = environment.keys();
    for (const QString &key : keys) {
        EXPECT_FALSE(key.startsWith(u"LLAMA_ARG_LOG_") || key.startsWith(u"LLAMA_LOG_")) << key.toStdString();
    }
    for (const char *name : {"LLAMA_ARG_ALIAS", "LLAMA_ARG_N_GPU_LAYERS", "LLAMA_ARG_CTX_SIZE", "LLAMA_ARG_N_PARALLEL",
                             "LLAMA_ARG_NO_JINJA"})
        EXPECT_FALSE(environment.contains(QString::fromLatin1(name))) << name;
    EXPECT_EQ(environment.value(QStringLiteral("LLAMA_ARG_THREADS")), QStringLiteral("2"));
}

TEST(ServerHelp, TheReleasesListTheirOwnFlags)
{
    const ServerFlags current = releaseFlags("0.5.0");
    const ServerFlags old = releaseFlags("b7347");
    for (const char *flag : {"-m", "--model", "--mmproj", "--host", "--port", "-c", "-np", "-ngl", "--gpu-layers",
                             "-a", "--alias", "--jinja", "--no-jinja", "-h", "--help", "--usage"}) {
        EXPECT_TRUE(current.knows(QString::fromLatin1(flag))) << "0.5.0 " << flag;
        EXPECT_TRUE(old.knows(QString::fromLatin1(flag))) << "b7347 " << flag;
    }
    EXPECT_TRUE(current.knows(QStringLiteral("--load-mode")));
    EXPECT_TRUE(current.knows(QStringLiteral("-fitt"))) << "an option whose value holds commas";
    EXPECT_FALSE(current.knows(QStringLiteral("--no-mmap")));
    EXPECT_TRUE(old.knows(QStringLiteral("--no-mmap")));
    EXPECT_FALSE(old.knows(QStringLiteral("--load-mode")));
    EXPECT_TRUE(current.gpuLayersTakeWords);
    EXPECT_FALSE(old.gpuLayersTakeWords);
    EXPECT_TRUE(current.jinjaByDefault);
    EXPECT_FALSE(current.knows(QStringLiteral("-----")));
}

TEST(ServerHelp, JinjaOffByDefaultIsRead)
{
    const std::optional<ServerFlags> flags = parseHelpOutput(QStringLiteral(
            "-m,    --model FNAME                    model path to load\n"
            "--port PORT                             port to listen (default: 8080)\n"
            "--jinja                                 use jinja template for chat (default: disabled)\n"
            "                                        (env: LLAMA_ARG_JINJA)\n"));
    ASSERT_TRUE(flags);
    EXPECT_TRUE(flags->knows(QStringLiteral("--jinja")));
    EXPECT_FALSE(flags->jinjaByDefault);
}

TEST(ServerHelp, TextThatIsNotLlamaServersHelpFiltersNothing)
{
    EXPECT_FALSE(parseHelpOutput(QString()));
    EXPECT_FALSE(parseHelpOutput(QStringLiteral("usage: cat [OPTION]... [FILE]...\n-A, --show-all   equivalent to -vET\n")));
}
