#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <chrono>

namespace Llamadesk::TestSupport
{
// Points XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME and XDG_STATE_HOME at a fresh
// temporary directory for the lifetime of the object, so that nothing a test does touches
// the user's real settings, logs or databases. The previous values are restored afterwards.
class TempXdg final
{
    Q_DISABLE_COPY_MOVE(TempXdg)

public:
    TempXdg();
    ~TempXdg();

    bool isValid() const;
    QString root() const;
    QString configHome() const;
    QString dataHome() const;
    // The environment a child process needs to see the same directories.
    QStringList environment() const;

private:
    QTemporaryDir m_dir;
    QList<QPair<QByteArray, QByteArray>> m_saved;
    QList<QByteArray> m_unset;
};

// Where tests write screenshots and other things a person should look at:
// build/<preset>/test-artifacts/.
QString artifactsDir();
// ../shared beside the checkout (models, media), or LLAMADESK_SHARED_DIR when set.
QString sharedDir();
// build/<preset>/bin, where the app and the fake server are.
QString binDir();

// True when the test script has promised a display / an audio device: a missing one is then
// a failure, not a skip.
bool displayRequired();
bool audioRequired();
bool haveDisplay();

// Processes events until pred() is true or the timeout passes. For state that is polled;
// prefer QSignalSpy::wait when a signal announces the change.
template <typename Pred>
[[nodiscard]] bool waitUntil(Pred &&pred, std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
    return QTest::qWaitFor(std::forward<Pred>(pred), static_cast<int>(timeout.count()));
}

// Reads a whole file, or returns an empty array.
QByteArray readFile(const QString &path);

// Ends the test executable right after the tests, without running destructors: Qt 6.4's
// PulseAudio backend can abort in libpulse (pa_pdispatch_run assertion) while it is torn down at
// exit, after every test has passed. Executables that record audio call this once, e.g. from a
// namespace-scope initialiser; the tests' results are already reported when it takes effect.
void exitWithoutTeardown();
bool exitsWithoutTeardown();
} // namespace Llamadesk::TestSupport

// Skips when there is no display, or fails when the test script promised one.
#define LLAMADESK_REQUIRE_DISPLAY()                                                                      \
    do {                                                                                                 \
        if (!::Llamadesk::TestSupport::haveDisplay()) {                                                         \
            if (::Llamadesk::TestSupport::displayRequired())                                                    \
                FAIL() << "LLAMADESK_REQUIRE_DISPLAY=1 but there is no X display (DISPLAY is empty)";    \
            GTEST_SKIP() << "no X display";                                                              \
        }                                                                                                \
    } while (false)

// Skips when there is no microphone, or fails when the test script promised one
// (LLAMADESK_REQUIRE_AUDIO=1). haveMicrophone: what the test found (Qt Multimedia is not linked here).
#define LLAMADESK_REQUIRE_MICROPHONE(haveMicrophone)                                                     \
    do {                                                                                                 \
        if (!(haveMicrophone)) {                                                                         \
            if (::Llamadesk::TestSupport::audioRequired())                                               \
                FAIL() << "LLAMADESK_REQUIRE_AUDIO=1 but Qt Multimedia sees no microphone";              \
            GTEST_SKIP() << "no microphone";                                                             \
        }                                                                                                \
    } while (false)
