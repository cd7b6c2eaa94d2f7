#pragma once

#include "app/modelscommand.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace Llamadesk
{
struct CommandLineOptions
{
    QString settingsFile;     // empty: the platform's default
    QString serverExecutable; // empty: keep the stored one
    QString model;            // empty: keep the stored one
    std::optional<int> port;
    QString logLevel = QStringLiteral("info");
};

struct CommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion, Models, Error };
    Action action = Action::Run;
    CommandLineOptions options;
    ModelsCommand models; // for Action::Models
    // The help or version text, or the error message, for the actions that print.
    QString text;
};

// Pure: no application object needed, so --help, --version and the commands (models …) work
// without a display.
CommandLine parseCommandLine(const QStringList &arguments);
QString versionText();
// The levels --log-level accepts.
QStringList logLevelNames();
} // namespace Llamadesk
