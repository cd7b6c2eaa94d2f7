// The model picker in the window: Models… in the title bar lists the library's models with what
// each can do, its size and whether it fits; Use starts the server with the model and its
// projector.
#include "appfixture.h"
#include "guitestsupport.h"
#include "ui/modelpicker.h"
#include "ui/titlebar.h"

#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QToolButton>
#include <QTreeWidget>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
constexpr quint64 GB = 1000ull * 1000 * 1000;

class ModelPickerTest : public AppWindowTest
{
protected:
    void SetUp() override
    {
        LLAMADESK_REQUIRE_DISPLAY();
        const QString models = sharedDir() + QStringLiteral("/models/");
        m_folder = m_dir.filePath(QStringLiteral("library"));
        ASSERT_TRUE(QDir().mkpath(m_folder + QStringLiteral("/tiny-vision")));
        ASSERT_TRUE(QDir().mkpath(m_folder + QStringLiteral("/tiny-think")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-llama.gguf"), m_folder + QStringLiteral("/tiny-vision/tiny-llama-F16.gguf")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-mmproj-both.gguf"),
                                m_folder + QStringLiteral("/tiny-vision/mmproj-tiny-F16.gguf")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-llama-think.gguf"),
                                m_folder + QStringLiteral("/tiny-think/tiny-llama-think-F16.gguf")));
        AppOptions options = testAppOptions(m_dir);
        options.modelFolders = QList<ModelFolder>{{m_folder, ModelFolder::Source::User}};
        options.memory = [] { return MemoryInfo{16 * GB, 8 * GB, {}}; };
        ASSERT_NO_FATAL_FAILURE(openApp(std::move(options), 8));
        ASSERT_NO_FATAL_FAILURE(showWindow());
        ASSERT_TRUE(waitUntil([&] { return m_app->library().scansFinished() > 0; }, std::chrono::seconds(10)));
    }

    ModelPicker *openPicker()
    {
        QTest::mouseClick(m_window->titleBar()->modelsButton(), Qt::LeftButton);
        if (!waitUntil([&] { return m_window->modelPicker() && m_window->modelPicker()->isVisible(); }))
            return nullptr;
        return m_window->modelPicker();
    }

    QTreeWidgetItem *row(ModelPicker *picker, const QString &name) const
    {
        const QList<QTreeWidgetItem *> found = picker->list()->findItems(name, Qt::MatchStartsWith, ModelPicker::Name);
        return found.isEmpty() ? nullptr : found.first();
    }

    QString m_folder;
};
} // namespace

TEST_F(ModelPickerTest, ListsTheLibraryWithWhatEachModelCanDoAndWhetherItFits)
{
    ModelPicker *picker = openPicker();
    ASSERT_NE(picker, nullptr);
    ASSERT_EQ(picker->list()->topLevelItemCount(), 2);
    // The thinking one says so.
    QTreeWidgetItem *vision = nullptr;
    QTreeWidgetItem *think = nullptr;
    for (int i = 0; i < picker->list()->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = picker->list()->topLevelItem(i);
        (item->text(ModelPicker::Abilities).contains(u"thinking") ? think : vision) = item;
    }
    ASSERT_NE(vision, nullptr);
    ASSERT_NE(think, nullptr);
    // Both are tiny-llama-random inside: the file tells them apart.
    EXPECT_EQ(vision->text(ModelPicker::Name), QStringLiteral("tiny-llama-random — tiny-llama-F16.gguf"));
    EXPECT_EQ(vision->text(ModelPicker::Abilities), QStringLiteral("vision · audio")) << "from its projector";
    EXPECT_EQ(think->text(ModelPicker::Abilities), QStringLiteral("thinking"));
    EXPECT_EQ(vision->text(ModelPicker::Parameters), QStringLiteral("4 M"));
    EXPECT_EQ(vision->text(ModelPicker::Quantization), QStringLiteral("F16"));
    EXPECT_EQ(vision->text(ModelPicker::Size), QStringLiteral("9 MB"));
    EXPECT_EQ(vision->text(ModelPicker::Context), QLocale().toString(2048));
    EXPECT_EQ(vision->text(ModelPicker::Fit), QStringLiteral("Fits"));
    EXPECT_TRUE(vision->toolTip(ModelPicker::Fit).startsWith(u"Fits: ")) << vision->toolTip(ModelPicker::Fit).toStdString();
    EXPECT_EQ(picker->statusText(), QStringLiteral("2 models found in: ") + m_folder);
    EXPECT_FALSE(saveScreenshot(picker, QStringLiteral("models-picker")).isEmpty());
}

TEST_F(ModelPickerTest, UseStartsTheServerWithTheModelAndItsProjector)
{
    ModelPicker *picker = openPicker();
    ASSERT_NE(picker, nullptr);
    ASSERT_EQ(picker->list()->topLevelItemCount(), 2);
    QTreeWidgetItem *vision = nullptr;
    for (int i = 0; i < picker->list()->topLevelItemCount(); ++i) {
        if (picker->list()->topLevelItem(i)->text(ModelPicker::Abilities).contains(u"vision"))
            vision = picker->list()->topLevelItem(i);
    }
    ASSERT_NE(vision, nullptr);
    picker->list()->setCurrentItem(vision);
    QTest::mouseClick(picker->useButton(), Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return !m_window->modelPicker(); })) << "the picker closes";
    const QString model = m_folder + QStringLiteral("/tiny-vision/tiny-llama-F16.gguf");
    EXPECT_EQ(m_settings->get(Keys::ServerModel), model);
    EXPECT_EQ(m_settings->get(Keys::ServerMmproj), m_folder + QStringLiteral("/tiny-vision/mmproj-tiny-F16.gguf"));
    ASSERT_TRUE(waitUntil([&] { return m_app->server().isRunning(); }, std::chrono::seconds(15)))
            << m_app->server().stateReason().toStdString();
    ASSERT_TRUE(m_supervisor->launchedConfig().has_value());
    EXPECT_EQ(m_supervisor->launchedConfig()->model, model);
    EXPECT_EQ(m_window->titleBar()->modelText(), QStringLiteral("tiny-llama-F16"));
    // Open again: the model in use is marked and selected.
    picker = openPicker();
    ASSERT_NE(picker, nullptr);
    ASSERT_NE(picker->list()->currentItem(), nullptr);
    EXPECT_TRUE(picker->list()->currentItem()->text(ModelPicker::Name).endsWith(u"(in use)"));
    EXPECT_FALSE(saveScreenshot(picker, QStringLiteral("models-picker-in-use")).isEmpty());
}

TEST_F(ModelPickerTest, AddFolderScansAnotherFolderAndKeepsItInTheSettings)
{
    ModelPicker *picker = openPicker();
    ASSERT_NE(picker, nullptr);
    ASSERT_EQ(picker->list()->topLevelItemCount(), 2);
    const QString more = m_dir.filePath(QStringLiteral("more models"));
    ASSERT_TRUE(QDir().mkpath(more));
    // A copy, not a link: a link to a file the library already lists is that same file.
    ASSERT_TRUE(QFile::copy(sharedDir() + QStringLiteral("/models/tiny-llama.gguf"), more + QStringLiteral("/third.gguf")));
    picker->setFolderChooser([&] { return more; });
    QTest::mouseClick(picker->addFolderButton(), Qt::LeftButton);
    EXPECT_EQ(m_settings->get(Keys::ModelsFolders), more);
    ASSERT_TRUE(waitUntil([&] { return picker->list()->topLevelItemCount() == 3; }, std::chrono::seconds(10)));
    EXPECT_TRUE(picker->statusText().contains(more)) << picker->statusText().toStdString();
    // Cancelled: nothing changes.
    picker->setFolderChooser([] { return QString(); });
    QTest::mouseClick(picker->addFolderButton(), Qt::LeftButton);
    EXPECT_EQ(m_settings->get(Keys::ModelsFolders), more);
}
