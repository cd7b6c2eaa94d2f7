#include "app/commandline.h"

#include <gtest/gtest.h>

using namespace Llamadesk;

namespace
{
CommandLine parse(QStringList arguments)
{
    arguments.prepend(QStringLiteral("/usr/bin/llamadesk"));
    return parseCommandLine(arguments);
}
} // namespace

TEST(CommandLine, NoArgumentsRunsWithDefaults)
{
    const CommandLine result = parse({});
    EXPECT_EQ(result.action, CommandLine::Action::Run);
    EXPECT_TRUE(result.options.settingsFile.isEmpty());
    EXPECT_FALSE(result.options.port.has_value());
    EXPECT_EQ(result.options.logLevel, QStringLiteral("info"));
}

TEST(CommandLine, EveryOptionIsParsed)
{
    const CommandLine result = parse({QStringLiteral("--settings"), QStringLiteral("/tmp/x.ini"),
                                      QStringLiteral("--server-exe"), QStringLiteral("/opt/llama/bin"),
                                      QStringLiteral("--model=/m/a.gguf"), QStringLiteral("--port"),
                                      QStringLiteral("0"), QStringLiteral("--log-level"), QStringLiteral("DEBUG")});
    ASSERT_EQ(result.action, CommandLine::Action::Run) << result.text.toStdString();
    EXPECT_EQ(result.options.settingsFile, QStringLiteral("/tmp/x.ini"));
    EXPECT_EQ(result.options.serverExecutable, QStringLiteral("/opt/llama/bin"));
    EXPECT_EQ(result.options.model, QStringLiteral("/m/a.gguf"));
    EXPECT_EQ(result.options.port, 0);
    EXPECT_EQ(result.options.logLevel, QStringLiteral("debug"));
}

TEST(CommandLine, HelpListsEveryOption)
{
    const CommandLine result = parse({QStringLiteral("--help")});
    ASSERT_EQ(result.action, CommandLine::Action::ShowHelp);
    EXPECT_TRUE(result.text.startsWith(u"Usage: llamadesk [options]")) << result.text.toStdString();
    for (const char *option : {"--help", "--version", "--settings <FILE>", "--server-exe <PATH>", "--model <PATH>",
                               "--port <N>", "--log-level <LEVEL>"})
        EXPECT_TRUE(result.text.contains(QLatin1String(option))) << option << "\n" << result.text.toStdString();
}

TEST(CommandLine, VersionNamesTheAppAndItsVersion)
{
    const CommandLine result = parse({QStringLiteral("--version")});
    ASSERT_EQ(result.action, CommandLine::Action::ShowVersion);
    EXPECT_TRUE(result.text.startsWith(QStringLiteral("Llamadesk " LLAMADESK_VERSION "\n"))) << result.text.toStdString();
}

TEST(CommandLine, BadPortIsAnErrorThatSaysWhy)
{
    const CommandLine result = parse({QStringLiteral("--port"), QStringLiteral("70000")});
    ASSERT_EQ(result.action, CommandLine::Action::Error);
    EXPECT_TRUE(result.text.startsWith(u"Invalid --port '70000': expected a whole number from 0 to 65535."))
        << result.text.toStdString();
    EXPECT_TRUE(result.text.contains(u"--help"));
}

TEST(CommandLine, BadLogLevelIsAnError)
{
    const CommandLine result = parse({QStringLiteral("--log-level=chatty")});
    ASSERT_EQ(result.action, CommandLine::Action::Error);
    EXPECT_TRUE(result.text.startsWith(u"Invalid --log-level 'chatty'")) << result.text.toStdString();
}

TEST(CommandLine, UnknownOptionAndStrayArgumentsAreErrors)
{
    EXPECT_EQ(parse({QStringLiteral("--frobnicate")}).action, CommandLine::Action::Error);
    EXPECT_EQ(parse({QStringLiteral("stray")}).action, CommandLine::Action::Error);
    EXPECT_EQ(parse({QStringLiteral("--port")}).action, CommandLine::Action::Error);
}
