// What the app writes is its user's alone (issue 13, section 2): folders 0700 and files 0600 from
// creation, whatever the umask. The start of the real binary is traced in
// tests/install/check_private_files.sh; here the parts that a start does not reach.
#include "core/apppaths.h"
#include "storeassert.h"
#include "core/chat/chatstore.h"
#include "app/logging.h"
#include "testsupport.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

#include <string>

#include <sys/stat.h>

using namespace Llamadesk;

namespace
{
// The mode bits of path, -1 when it is not there.
int modeOf(const QString &path)
{
    struct stat info{};
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return static_cast<int>(info.st_mode & 07777);
}

// Runs the test under the umask most systems give their users.
class PrivateFiles : public ::testing::Test
{
protected:
    void SetUp() override { m_savedUmask = ::umask(022); }
    void TearDown() override
    {
        Logging::shutdown();
        ::umask(m_savedUmask);
    }

    mode_t m_savedUmask = 0;
    QTemporaryDir m_dir;
};
} // namespace

TEST_F(PrivateFiles, FoldersAreMadeOwnerOnlyAndExistingOnesLeftAlone)
{
    const QString nested = m_dir.filePath(QStringLiteral("a/b/c"));
    ASSERT_FALSE(AppPaths::makePrivateDirectory(nested));
    for (const QString &folder : {m_dir.filePath(QStringLiteral("a")), m_dir.filePath(QStringLiteral("a/b")), nested})
        EXPECT_EQ(modeOf(folder), 0700) << folder.toStdString();
    const int before = modeOf(m_dir.path());
    ASSERT_FALSE(AppPaths::makePrivateDirectory(m_dir.path()));
    EXPECT_EQ(modeOf(m_dir.path()), before);
}

TEST_F(PrivateFiles, TighteningClearsGroupAndOtherBitsOnly)
{
    const QString path = m_dir.filePath(QStringLiteral("old.log"));
    ASSERT_FALSE(AppPaths::createPrivateFile(path));
    ASSERT_EQ(::chmod(QFile::encodeName(path).constData(), 0664), 0);
    AppPaths::tightenExisting(path);
    EXPECT_EQ(modeOf(path), 0600);
    AppPaths::tightenExisting(m_dir.filePath(QStringLiteral("not-there"))); // nothing happens
}

TEST_F(PrivateFiles, ChatDatabaseAndItsWalAndShmAreOwnerOnly)
{
    const QString folder = m_dir.filePath(QStringLiteral("data/llamadesk"));
    const QString path = folder + QStringLiteral("/chats.sqlite");
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    ASSERT_TRUE(stored(store.createConversation(QStringLiteral("private"))));
    EXPECT_EQ(modeOf(m_dir.filePath(QStringLiteral("data"))), 0700);
    EXPECT_EQ(modeOf(folder), 0700);
    for (const QString &file : QStringList{path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")})
        EXPECT_EQ(modeOf(file), 0600) << file.toStdString();
}

TEST_F(PrivateFiles, ChatDatabaseAnEarlierVersionLeftReadableIsTightened)
{
    const QString path = m_dir.filePath(QStringLiteral("chats.sqlite"));
    {
        ChatStore first(path);
        ASSERT_TRUE(first.open());
    }
    ASSERT_EQ(::chmod(QFile::encodeName(path).constData(), 0644), 0);
    ChatStore store(path);
    ASSERT_TRUE(stored(store.open()));
    ASSERT_TRUE(stored(store.createConversation(QStringLiteral("private"))));
    for (const QString &file : QStringList{path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")})
        EXPECT_EQ(modeOf(file), 0600) << file.toStdString();
}

// spdlog's rotating sink renames llama-server.log to llama-server.1.log and fopen()s a new
// llama-server.log: that one too is born 0600. (The server's logger writes to its file only, so
// the 5 MiB that make it rotate stay out of the test's output.)
TEST_F(PrivateFiles, LogFilesStayOwnerOnlyAcrossARotation)
{
    const QString folder = m_dir.filePath(QStringLiteral("logs"));
    ASSERT_FALSE(Logging::initialize(QStringLiteral("info"), folder));
    EXPECT_EQ(modeOf(folder), 0700);
    const std::shared_ptr<spdlog::logger> server = spdlog::get(ServerLoggerName);
    ASSERT_TRUE(server);
    const std::string line(1024, 'x');
    // 5 MiB per file: a little more than that rotates once.
    for (int i = 0; i < 5 * 1024 + 64; ++i)
        server->info("{}", line);
    server->flush();
    ASSERT_TRUE(QFileInfo::exists(folder + QStringLiteral("/llama-server.1.log"))) << "no rotation happened";
    for (const QString &name : {QStringLiteral("llamadesk.log"), QStringLiteral("llama-server.log"),
                                QStringLiteral("llama-server.1.log")})
        EXPECT_EQ(modeOf(folder + u'/' + name), 0600) << name.toStdString();
}
