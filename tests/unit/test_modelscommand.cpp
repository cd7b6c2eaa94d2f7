#include "app/commandline.h"
#include "app/modelscommand.h"

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
QString shared(const char *name)
{
    return TestSupport::sharedDir() + QStringLiteral("/models/") + QString::fromLatin1(name);
}
} // namespace

TEST(ModelsCommand, TheCommandLineTakesListAndInfo)
{
    CommandLine list = parseCommandLine({QStringLiteral("llamadesk"), QStringLiteral("models"), QStringLiteral("list")});
    ASSERT_EQ(list.action, CommandLine::Action::Models) << list.text.toStdString();
    EXPECT_EQ(list.models.kind, ModelsCommand::Kind::List);
    // "list" is what "models" alone does.
    EXPECT_EQ(parseCommandLine({QStringLiteral("llamadesk"), QStringLiteral("models")}).action, CommandLine::Action::Models);
    const CommandLine info = parseCommandLine(
            {QStringLiteral("llamadesk"), QStringLiteral("models"), QStringLiteral("info"), QStringLiteral("/m/x.gguf")});
    ASSERT_EQ(info.action, CommandLine::Action::Models);
    EXPECT_EQ(info.models.kind, ModelsCommand::Kind::Info);
    EXPECT_EQ(info.models.file, QStringLiteral("/m/x.gguf"));
    const CommandLine missing = parseCommandLine({QStringLiteral("llamadesk"), QStringLiteral("models"), QStringLiteral("info")});
    EXPECT_EQ(missing.action, CommandLine::Action::Error);
    EXPECT_TRUE(missing.text.contains(u"models info FILE")) << missing.text.toStdString();
    const CommandLine unknown = parseCommandLine({QStringLiteral("llamadesk"), QStringLiteral("models"), QStringLiteral("fly")});
    EXPECT_EQ(unknown.action, CommandLine::Action::Error);
    EXPECT_TRUE(unknown.text.contains(u"fly")) << unknown.text.toStdString();
    EXPECT_TRUE(parseCommandLine({QStringLiteral("llamadesk"), QStringLiteral("--help")}).text.contains(u"models list"));
}

TEST(ModelsCommand, ListShowsEachModelWithItsProjectorsAbilities)
{
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("m"));
    ASSERT_TRUE(QDir().mkpath(folder));
    ASSERT_TRUE(QFile::link(shared("tiny-llama.gguf"), folder + QStringLiteral("/tiny-llama.gguf")));
    ASSERT_TRUE(QFile::link(shared("tiny-mmproj-both.gguf"), folder + QStringLiteral("/mmproj-tiny.gguf")));
    const QList<ModelFolder> folders{{folder, ModelFolder::Source::User}};
    const QString cache = dir.filePath(QStringLiteral("cache/models.json"));
    const CommandOutput output = runModelsCommand({ModelsCommand::Kind::List, {}}, folders, cache);
    EXPECT_EQ(output.exitCode, 0);
    EXPECT_TRUE(output.err.isEmpty()) << output.err.toStdString();
    const QStringList lines = output.out.split(u'\n');
    ASSERT_GE(lines.size(), 2);
    EXPECT_TRUE(lines.at(0).startsWith(u"NAME")) << output.out.toStdString();
    EXPECT_TRUE(lines.at(1).startsWith(u"tiny-llama-random")) << output.out.toStdString();
    for (const char *cell : {"F16", "4 M", "9 MB", "2048", "vision,audio", "/tiny-llama.gguf"})
        EXPECT_TRUE(lines.at(1).contains(QString::fromLatin1(cell))) << cell << " in " << lines.at(1).toStdString();
    EXPECT_TRUE(output.out.contains(u"mmproj-tiny.gguf")) << output.out.toStdString();
    EXPECT_TRUE(QFile::exists(cache));

    const CommandOutput empty = runModelsCommand({}, {{dir.filePath(QStringLiteral("none")), ModelFolder::Source::User}}, cache);
    EXPECT_EQ(empty.exitCode, 0);
    EXPECT_TRUE(empty.out.startsWith(u"No GGUF models were found. Llamadesk looks in: ")) << empty.out.toStdString();
}

TEST(ModelsCommand, InfoDescribesAFileOrSaysWhyItCannot)
{
    const CommandOutput info = runModelsCommand({ModelsCommand::Kind::Info, shared("tiny-llama-think.gguf")}, {}, {});
    EXPECT_EQ(info.exitCode, 0);
    for (const char *line : {"architecture  llama", "quantization  F16", "context       2048", "thinking      yes",
                             "tokenizer.ggml.tokens", "[32064 × string]"})
        EXPECT_TRUE(info.out.contains(QString::fromUtf8(line))) << line << "\n" << info.out.toStdString();

    const CommandOutput projector = runModelsCommand({ModelsCommand::Kind::Info, shared("tiny-mmproj-audio.gguf")}, {}, {});
    EXPECT_TRUE(projector.out.contains(u"audio         yes")) << projector.out.toStdString();

    const CommandOutput missing = runModelsCommand({ModelsCommand::Kind::Info, QStringLiteral("/nonexistent.gguf")}, {}, {});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(missing.out.isEmpty());
    EXPECT_TRUE(missing.err.contains(u"/nonexistent.gguf")) << missing.err.toStdString();
}
