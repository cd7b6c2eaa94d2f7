#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QtGlobal>

namespace Llamadesk::TestSupport
{
namespace
{
const char *const XdgVariables[] = {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"};

QString subdirFor(const char *variable)
{
    return QString::fromLatin1(variable).mid(4).toLower(); // "config_home"
}
} // namespace

TempXdg::TempXdg()
{
    for (const char *variable : XdgVariables) {
        if (qEnvironmentVariableIsSet(variable))
            m_saved.append({variable, qgetenv(variable)});
        else
            m_unset.append(variable);
        const QString dir = m_dir.filePath(subdirFor(variable));
        QDir().mkpath(dir);
        qputenv(variable, QFile::encodeName(dir));
    }
}

TempXdg::~TempXdg()
{
    for (const auto &[name, value] : std::as_const(m_saved))
        qputenv(name.constData(), value);
    for (const QByteArray &name : std::as_const(m_unset))
        qunsetenv(name.constData());
}

bool TempXdg::isValid() const
{
    return m_dir.isValid();
}

QString TempXdg::root() const
{
    return m_dir.path();
}

QString TempXdg::configHome() const
{
    return m_dir.filePath(QStringLiteral("config_home"));
}

QString TempXdg::dataHome() const
{
    return m_dir.filePath(QStringLiteral("data_home"));
}

QStringList TempXdg::environment() const
{
    QStringList env;
    for (const char *variable : XdgVariables)
        env.append(QString::fromLatin1(variable) + u'=' + m_dir.filePath(subdirFor(variable)));
    return env;
}

QString artifactsDir()
{
    const QString dir = QStringLiteral(LLAMADESK_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    return dir;
}

QString sharedDir()
{
    const QString fromEnv = qEnvironmentVariable("LLAMADESK_SHARED_DIR");
    return fromEnv.isEmpty() ? QStringLiteral(LLAMADESK_SHARED_DIR_DEFAULT) : fromEnv;
}

QString binDir()
{
    return QStringLiteral(LLAMADESK_BIN_DIR);
}

bool displayRequired()
{
    return qEnvironmentVariableIntValue("LLAMADESK_REQUIRE_DISPLAY") == 1;
}

bool audioRequired()
{
    return qEnvironmentVariableIntValue("LLAMADESK_REQUIRE_AUDIO") == 1;
}

bool haveDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY");
}

namespace
{
bool g_exitWithoutTeardown = false;
} // namespace

void exitWithoutTeardown()
{
    g_exitWithoutTeardown = true;
}

bool exitsWithoutTeardown()
{
    return g_exitWithoutTeardown;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}
} // namespace Llamadesk::TestSupport
