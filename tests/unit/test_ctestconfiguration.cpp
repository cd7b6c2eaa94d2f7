// The suite's own configuration, as ctest runs it: every test that shows a window holds the
// display lock and a test that also records from the virtual microphone holds that lock too, so
// that two tests never see each other's windows or speech on a busy machine.
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QSet>
#include <QString>
#include <QStringList>

#include <gtest/gtest.h>

namespace
{
struct CTestEntry
{
    QString name;
    QString executable; // file name of the command's program
    QSet<QString> locks;
};

QList<CTestEntry> ctestEntries()
{
    QProcess ctest;
    ctest.setProcessChannelMode(QProcess::SeparateChannels);
    ctest.start(QStringLiteral(LLAMADESK_CTEST_COMMAND),
                {QStringLiteral("--test-dir"), QStringLiteral(LLAMADESK_BUILD_DIR),
                 QStringLiteral("--show-only=json-v1")});
    if (!ctest.waitForFinished(60000) || ctest.exitCode() != 0) {
        ADD_FAILURE() << "ctest --show-only failed: " << ctest.readAllStandardError().toStdString();
        return {};
    }
    QList<CTestEntry> entries;
    const QJsonArray tests = QJsonDocument::fromJson(ctest.readAllStandardOutput()).object()[u"tests"].toArray();
    for (const QJsonValue &value : tests) {
        const QJsonObject test = value.toObject();
        CTestEntry entry;
        entry.name = test[u"name"].toString();
        const QJsonArray command = test[u"command"].toArray();
        if (!command.isEmpty())
            entry.executable = QFileInfo(command.first().toString()).fileName();
        for (const QJsonValue &property : test[u"properties"].toArray()) {
            const QJsonObject object = property.toObject();
            if (object[u"name"].toString() != u"RESOURCE_LOCK")
                continue;
            for (const QJsonValue &lock : object[u"value"].toArray())
                entry.locks.insert(lock.toString());
        }
        entries.append(entry);
    }
    return entries;
}

// What tests/CMakeLists.txt and bench/CMakeLists.txt declared: executable or test name, locks.
QMap<QString, QStringList> declaredLocks()
{
    QFile file(QStringLiteral(LLAMADESK_BUILD_DIR "/expected-test-locks.txt"));
    QMap<QString, QStringList> declared;
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return declared;
    for (const QString &line : QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts)) {
        const QStringList parts = line.split(u'\t');
        if (parts.size() == 2)
            declared.insert(parts[0], parts[1].split(u',', Qt::SkipEmptyParts));
    }
    return declared;
}

QStringList missingLocks(const QList<CTestEntry> &entries, const QString &executableOrTest,
                         const QStringList &locks, int &matched)
{
    QStringList problems;
    matched = 0;
    for (const CTestEntry &entry : entries) {
        if (entry.executable != executableOrTest && entry.name != executableOrTest)
            continue;
        ++matched;
        for (const QString &lock : locks) {
            if (!entry.locks.contains(lock))
                problems.append(entry.name + u" lacks the lock " + lock);
        }
    }
    return problems;
}
} // namespace

TEST(CTestConfiguration, EveryTestHoldsEveryLockItsCMakeFileDeclares)
{
    const QMap<QString, QStringList> declared = declaredLocks();
    ASSERT_FALSE(declared.isEmpty()) << "expected-test-locks.txt is missing or empty";
    const QList<CTestEntry> entries = ctestEntries();
    ASSERT_FALSE(entries.isEmpty());
    for (auto it = declared.cbegin(); it != declared.cend(); ++it) {
        int matched = 0;
        const QStringList problems = missingLocks(entries, it.key(), it.value(), matched);
        EXPECT_GT(matched, 0) << it.key().toStdString() << " has no test in ctest";
        EXPECT_TRUE(problems.isEmpty()) << problems.join(u'\n').toStdString();
    }
}

// The tests known to show a window and to play speech into the microphone, by name: a list
// that a CMake change cannot shrink without this test noticing.
TEST(CTestConfiguration, WindowAndMicrophoneTestsHoldBothLocks)
{
    const QList<CTestEntry> entries = ctestEntries();
    const QList<QPair<QString, QStringList>> expected{
            {QStringLiteral("test_voice"), {QStringLiteral("display"), QStringLiteral("pulseaudio")}},
            {QStringLiteral("test_app_binary"), {QStringLiteral("display"), QStringLiteral("pulseaudio")}},
            {QStringLiteral("test_screenshots"), {QStringLiteral("display")}},
            {QStringLiteral("test_mainwindow"), {QStringLiteral("display")}},
            {QStringLiteral("test_audiocapture"), {QStringLiteral("pulseaudio")}},
            {QStringLiteral("Bench.IdleMemoryRuns"), {QStringLiteral("display")}},
            {QStringLiteral("Bench.TranscriptRuns"), {QStringLiteral("display")}},
    };
    for (const auto &[executableOrTest, locks] : expected) {
        int matched = 0;
        const QStringList problems = missingLocks(entries, executableOrTest, locks, matched);
        EXPECT_GT(matched, 0) << executableOrTest.toStdString() << " has no test in ctest";
        EXPECT_TRUE(problems.isEmpty()) << problems.join(u'\n').toStdString();
    }
}
