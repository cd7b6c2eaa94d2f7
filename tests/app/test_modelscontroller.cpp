// ModelsController without a window: the library's models with what they can do and whether
// they fit, choosing one (the server restarts with it and its projector), and asking first
// while an answer streams.
#include "application/modelscontroller.h"
#include "controllerfixture.h"

#include <QDir>
#include <QFile>

using namespace Llamadesk;
using namespace Llamadesk::TestSupport;

namespace
{
constexpr quint64 GB = 1000ull * 1000 * 1000;

class ModelsControllerTest : public ControllerTest
{
protected:
    void SetUp() override
    {
        ControllerTest::SetUp();
        // Two folders as a user has them: a model with its vision projector, and a thinking
        // model with an audio one (links to the tiny files in ../shared/models).
        const QString models = sharedDir() + QStringLiteral("/models/");
        m_folder = m_dir.filePath(QStringLiteral("models"));
        ASSERT_TRUE(QDir().mkpath(m_folder + QStringLiteral("/seeing")));
        ASSERT_TRUE(QDir().mkpath(m_folder + QStringLiteral("/hearing")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-llama.gguf"), m_folder + QStringLiteral("/seeing/tiny-llama.gguf")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-mmproj-vision.gguf"),
                                m_folder + QStringLiteral("/seeing/mmproj-tiny-vision.gguf")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-llama-think.gguf"),
                                m_folder + QStringLiteral("/hearing/tiny-llama-think.gguf")));
        ASSERT_TRUE(QFile::link(models + QStringLiteral("tiny-mmproj-audio.gguf"),
                                m_folder + QStringLiteral("/hearing/mmproj-tiny-audio.gguf")));
        m_library = std::make_unique<ModelLibrary>(m_dir.filePath(QStringLiteral("cache/models.json")));
        m_models = std::make_unique<ModelsController>(*m_library, *m_settings, *m_server, *m_chat,
                                                      [this] { return m_memory; });
        QSignalSpy changed(m_models.get(), &ModelsController::choicesChanged);
        m_library->setFolders({{m_folder, ModelFolder::Source::User}});
        ASSERT_TRUE(changed.wait(10000));
    }

    void TearDown() override
    {
        m_models.reset();
        m_library.reset();
        ControllerTest::TearDown();
    }

    const ModelChoice *choice(QStringView fileName) const
    {
        for (const ModelChoice &c : m_choices) {
            if (QFileInfo(c.model.path).fileName() == fileName)
                return &c;
        }
        return nullptr;
    }

    QString m_folder;
    MemoryInfo m_memory{16 * GB, 16 * GB, {}};
    std::unique_ptr<ModelLibrary> m_library;
    std::unique_ptr<ModelsController> m_models;
    QList<ModelChoice> m_choices;
};
} // namespace

TEST_F(ModelsControllerTest, EachModelSaysWhatItCanDoAndWhetherItFits)
{
    m_choices = m_models->choices();
    ASSERT_EQ(m_choices.size(), 2);
    const ModelChoice *seeing = choice(u"tiny-llama.gguf");
    ASSERT_NE(seeing, nullptr);
    EXPECT_TRUE(seeing->projector.endsWith(u"seeing/mmproj-tiny-vision.gguf"));
    EXPECT_TRUE(seeing->vision);
    EXPECT_FALSE(seeing->audio);
    EXPECT_FALSE(seeing->model.info.thinking);
    EXPECT_EQ(seeing->fit.verdict, ModelFit::Verdict::Fits);
    EXPECT_EQ(seeing->fit.context, 2048) << "the context the settings choose";
    EXPECT_EQ(seeing->fit.projector, 177600u);
    const ModelChoice *hearing = choice(u"tiny-llama-think.gguf");
    ASSERT_NE(hearing, nullptr);
    EXPECT_TRUE(hearing->audio);
    EXPECT_FALSE(hearing->vision);
    EXPECT_TRUE(hearing->model.info.thinking);

    // Less memory than the model needs: too big, with the numbers.
    m_memory = {16 * GB, 1000, {}};
    m_choices = m_models->choices();
    ASSERT_NE(choice(u"tiny-llama.gguf"), nullptr);
    EXPECT_EQ(choice(u"tiny-llama.gguf")->fit.verdict, ModelFit::Verdict::TooBig);
    EXPECT_TRUE(choice(u"tiny-llama.gguf")->fit.summary().startsWith(u"Too big: "));
}

TEST_F(ModelsControllerTest, ChoosingAModelRestartsTheServerWithItAndItsProjector)
{
    ASSERT_NO_FATAL_FAILURE(startServer());
    const qint64 before = m_supervisor->processId();
    const QString thinking = m_folder + QStringLiteral("/hearing/tiny-llama-think.gguf");
    ASSERT_EQ(m_models->choose(thinking), ModelsController::Choice::Applied);
    EXPECT_EQ(m_settings->get(Keys::ServerModel), thinking);
    EXPECT_EQ(m_settings->get(Keys::ServerMmproj), m_folder + QStringLiteral("/hearing/mmproj-tiny-audio.gguf"));
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning() && m_supervisor->processId() != before; },
                          std::chrono::seconds(15)))
            << m_server->stateReason().toStdString();
    ASSERT_TRUE(m_supervisor->launchedConfig().has_value());
    EXPECT_EQ(m_supervisor->launchedConfig()->model, thinking);
    EXPECT_EQ(m_supervisor->launchedConfig()->mmproj, m_folder + QStringLiteral("/hearing/mmproj-tiny-audio.gguf"));
    m_choices = m_models->choices();
    ASSERT_NE(choice(u"tiny-llama-think.gguf"), nullptr);
    EXPECT_TRUE(choice(u"tiny-llama-think.gguf")->current);
    EXPECT_FALSE(choice(u"tiny-llama.gguf")->current);
    EXPECT_EQ(m_models->choose(QStringLiteral("/not/in/the/library.gguf")), ModelsController::Choice::NotInLibrary);
}

TEST_F(ModelsControllerTest, WhileAnAnswerStreamsTheUserIsAskedFirst)
{
    ASSERT_FALSE(m_settings->set(Keys::ChatMaxTokens, 4000));
    ASSERT_NO_FATAL_FAILURE(startServer());
    ASSERT_TRUE(m_session->send(QStringLiteral("Tell me a long story")));
    ASSERT_TRUE(m_chat->isBusy());
    const QString seeing = m_folder + QStringLiteral("/seeing/tiny-llama.gguf");
    EXPECT_EQ(m_models->choose(seeing), ModelsController::Choice::AskFirst);
    EXPECT_NE(m_settings->get(Keys::ServerModel), seeing) << "nothing changed before the answer";
    // Agreed: the answer stops there, the server restarts with the model.
    EXPECT_EQ(m_models->choose(seeing, true), ModelsController::Choice::Applied);
    EXPECT_EQ(m_settings->get(Keys::ServerModel), seeing);
    ASSERT_TRUE(waitUntil([&] { return !m_chat->isBusy(); }, std::chrono::seconds(15)));
    ASSERT_TRUE(waitUntil([&] { return m_server->isRunning(); }, std::chrono::seconds(15)));
}

TEST_F(ModelsControllerTest, AFolderOfTheUsersIsKeptOnceAndOnlyWhenItIsOne)
{
    const QString more = m_dir.filePath(QStringLiteral("more"));
    ASSERT_TRUE(QDir().mkpath(more));
    EXPECT_FALSE(m_models->addFolder(more));
    EXPECT_FALSE(m_models->addFolder(more)) << "twice is once";
    EXPECT_EQ(m_settings->get(Keys::ModelsFolders), more);
    const auto missing = m_models->addFolder(m_dir.filePath(QStringLiteral("missing")));
    ASSERT_TRUE(missing.has_value());
    EXPECT_TRUE(missing->endsWith(u"missing is not a folder.")) << missing->toStdString();
    EXPECT_TRUE(m_models->addFolder(m_folder + QStringLiteral("/seeing/tiny-llama.gguf")).has_value()) << "a file";
    EXPECT_EQ(m_settings->get(Keys::ModelsFolders), more);
    // By hand in the INI file: only absolute folders.
    const auto relative = Settings::validate(Keys::ModelsFolders.toString(), QStringLiteral("/ok\nmodels"));
    ASSERT_TRUE(relative.has_value());
    EXPECT_TRUE(relative->contains(u"'models' is not")) << relative->toStdString();
}
