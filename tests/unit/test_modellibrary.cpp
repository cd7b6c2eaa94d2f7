#include "core/models/modellibrary.h"

#include "ggufbuilder.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace Llamadesk;
using TestSupport::GgufBuilder;

namespace
{
using Source = ModelFolder::Source;

QByteArray modelFile(const QByteArray &name, uint32_t fileType = 15, const QByteArray &tmpl = {})
{
    GgufBuilder b;
    b.string("general.architecture", "llama").string("general.name", name).uint32("general.file_type", fileType);
    b.uint32("llama.context_length", 8192);
    if (!tmpl.isEmpty())
        b.string("tokenizer.chat_template", tmpl);
    b.tensor("token_embd.weight", {64, 100});
    return b.bytes();
}

QByteArray projectorFile(bool vision, bool audio)
{
    GgufBuilder b;
    b.string("general.architecture", "clip").boolean("clip.has_vision_encoder", vision);
    b.boolean("clip.has_audio_encoder", audio);
    if (vision)
        b.string("clip.vision.projector_type", "gemma3");
    b.tensor("v.patch_embd.weight", {8, 8});
    return b.bytes();
}

bool write(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

const LibraryModel *findModel(const QList<LibraryModel> &models, QStringView fileName)
{
    for (const LibraryModel &m : models) {
        if (QFileInfo(m.path).fileName() == fileName)
            return &m;
    }
    return nullptr;
}

class ModelLibraryTest : public ::testing::Test
{
protected:
    QTemporaryDir m_dir;
    QString path(const char *relative) const { return m_dir.filePath(QString::fromUtf8(relative)); }
};
} // namespace

TEST(ModelFolders, EveryToolsFolderInItsPlaceWithTheVariablesThatMoveThem)
{
    ModelFolderEnvironment e;
    e.home = QStringLiteral("/home/u");
    e.appModels = QStringLiteral("/home/u/.local/share/Llamadesk/models");
    e.userFolders = {QStringLiteral("/mnt/big/models/"), QStringLiteral("/home/u/models")};
    const QList<ModelFolder> defaults = modelFolders(e);
    const QList<ModelFolder> expected{
            {QStringLiteral("/home/u/.local/share/Llamadesk/models"), Source::App},
            {QStringLiteral("/home/u/.cache/llama.cpp"), Source::LlamaCppCache},
            {QStringLiteral("/home/u/.cache/huggingface/hub"), Source::HuggingFaceCache},
            {QStringLiteral("/home/u/.lmstudio/models"), Source::LmStudio},
            {QStringLiteral("/home/u/.cache/lm-studio/models"), Source::LmStudio},
            {QStringLiteral("/home/u/.local/share/Jan/data/llamacpp/models"), Source::Jan},
            {QStringLiteral("/home/u/jan/models"), Source::Jan},
            {QStringLiteral("/home/u/models"), Source::HomeModels},
            // The user's own, cleaned; ~/models is listed once, as what it already was.
            {QStringLiteral("/mnt/big/models"), Source::User},
    };
    EXPECT_EQ(defaults, expected);

    e.variables = {{QStringLiteral("LLAMA_CACHE"), QStringLiteral("/srv/llama")},
                   {QStringLiteral("HF_HOME"), QStringLiteral("/srv/hf")},
                   {QStringLiteral("XDG_CACHE_HOME"), QStringLiteral("/var/cache/u")}};
    const QList<ModelFolder> moved = modelFolders(e);
    EXPECT_EQ(moved.at(1).path, QStringLiteral("/srv/llama"));
    EXPECT_EQ(moved.at(2).path, QStringLiteral("/srv/hf/hub"));
    EXPECT_EQ(moved.at(4).path, QStringLiteral("/var/cache/u/lm-studio/models"));
    e.variables.insert(QStringLiteral("HF_HUB_CACHE"), QStringLiteral("/srv/hub"));
    EXPECT_EQ(modelFolders(e).at(2).path, QStringLiteral("/srv/hub")) << "HF_HUB_CACHE before HF_HOME";
}

TEST_F(ModelLibraryTest, FindsModelsPairsProjectorsAndSaysWhatEachIs)
{
    ASSERT_TRUE(m_dir.isValid());
    ASSERT_TRUE(write(path("lmstudio/ggml-org/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M.gguf"),
                      modelFile("Gemma 3 4b It", 15, "{% if tools %}{{ tools }}{% endif %}")));
    ASSERT_TRUE(write(path("lmstudio/ggml-org/gemma-3-4b-it-GGUF/mmproj-model-f16.gguf"), projectorFile(true, false)));
    ASSERT_TRUE(write(path("lmstudio/other/Qwen3-8B-Q8_0.gguf"), modelFile("Qwen3 8B", 7, "<think>")));
    ASSERT_TRUE(write(path("lmstudio/other/README.md"), "not a model"));
    ASSERT_TRUE(write(path("lmstudio/other/broken.gguf"), "GGUF\x03"));
    // A split model: only the first part is listed, with the size of all.
    const QByteArray part = modelFile("Big");
    ASSERT_TRUE(write(path("mine/Big-Q4_K_M-00001-of-00002.gguf"), part));
    ASSERT_TRUE(write(path("mine/Big-Q4_K_M-00002-of-00002.gguf"), part));
    // One whose second part is missing cannot be loaded: said, not listed.
    ASSERT_TRUE(write(path("mine/Half-00001-of-00002.gguf"), part));

    ModelMetadataCache cache;
    const ModelScan scan = scanModelFolders(
            {{path("lmstudio"), Source::LmStudio}, {path("mine"), Source::User}, {path("absent"), Source::Jan}}, cache);
    ASSERT_EQ(scan.models.size(), 3);
    EXPECT_EQ(scan.projectors.size(), 1);
    ASSERT_EQ(scan.problems.size(), 2);
    EXPECT_TRUE(scan.problems.at(0).path.endsWith(u"broken.gguf"));
    EXPECT_TRUE(scan.problems.at(0).message.contains(u"cut short")) << scan.problems.at(0).message.toStdString();
    EXPECT_TRUE(scan.problems.at(1).message.endsWith(u"Half-00001-of-00002.gguf is one part of a model split in 2, "
                                                     u"and only 1 of them are here."))
            << scan.problems.at(1).message.toStdString();

    const LibraryModel *gemma = findModel(scan.models, u"gemma-3-4b-it-Q4_K_M.gguf");
    ASSERT_NE(gemma, nullptr);
    EXPECT_EQ(gemma->displayName(), QStringLiteral("Gemma 3 4b It"));
    EXPECT_EQ(gemma->info.quantization, QStringLiteral("Q4_K_M"));
    EXPECT_EQ(gemma->info.contextLength, 8192);
    EXPECT_EQ(gemma->info.parameters, 6400u);
    EXPECT_TRUE(gemma->info.tools);
    EXPECT_EQ(gemma->folder.source, Source::LmStudio);
    ASSERT_EQ(gemma->projectors.size(), 1);
    EXPECT_TRUE(gemma->projectors.at(0).endsWith(u"gemma-3-4b-it-GGUF/mmproj-model-f16.gguf"));

    const LibraryModel *qwen = findModel(scan.models, u"Qwen3-8B-Q8_0.gguf");
    ASSERT_NE(qwen, nullptr);
    EXPECT_TRUE(qwen->info.thinking);
    EXPECT_TRUE(qwen->projectors.isEmpty()) << "another folder's projector is not its own";

    const LibraryModel *big = findModel(scan.models, u"Big-Q4_K_M-00001-of-00002.gguf");
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(big->parts.size(), 2);
    EXPECT_EQ(big->size, 2u * static_cast<quint64>(part.size()));
    EXPECT_EQ(big->info.parameters, 2u * 6400u);
}

TEST_F(ModelLibraryTest, TheHuggingFaceCachePairsByRepositoryAndCountsEachBlobOnce)
{
    // The hub's layout: snapshots/<revision>/<file> are links to blobs/<sha256>.
    const QString repo = path("hub/models--ggml-org--SmolVLM-500M-Instruct-GGUF");
    ASSERT_TRUE(write(repo + QStringLiteral("/blobs/aaa"), modelFile("SmolVLM 500M Instruct", 7)));
    ASSERT_TRUE(write(repo + QStringLiteral("/blobs/bbb"), projectorFile(true, false)));
    ASSERT_TRUE(QDir().mkpath(repo + QStringLiteral("/snapshots/rev1")));
    ASSERT_TRUE(QDir().mkpath(repo + QStringLiteral("/snapshots/rev2")));
    ASSERT_TRUE(QFile::link(QStringLiteral("../../blobs/aaa"), repo + QStringLiteral("/snapshots/rev1/SmolVLM-500M-Instruct-Q8_0.gguf")));
    // The projector came with another revision; the same model is in both.
    ASSERT_TRUE(QFile::link(QStringLiteral("../../blobs/bbb"), repo + QStringLiteral("/snapshots/rev2/mmproj-SmolVLM-500M-Instruct-Q8_0.gguf")));
    ASSERT_TRUE(QFile::link(QStringLiteral("../../blobs/aaa"), repo + QStringLiteral("/snapshots/rev2/SmolVLM-500M-Instruct-Q8_0.gguf")));
    // A link back up does not make the walk go round.
    ASSERT_TRUE(QFile::link(repo, repo + QStringLiteral("/snapshots/rev2/loop")));

    ModelMetadataCache cache;
    const ModelScan scan = scanModelFolders({{path("hub"), Source::HuggingFaceCache}}, cache);
    ASSERT_EQ(scan.models.size(), 1) << "one blob, one model";
    ASSERT_EQ(scan.projectors.size(), 1);
    ASSERT_EQ(scan.models.at(0).projectors.size(), 1);
    EXPECT_TRUE(scan.models.at(0).projectors.at(0).endsWith(u"mmproj-SmolVLM-500M-Instruct-Q8_0.gguf"));
    EXPECT_TRUE(scan.projectors.at(0).info.vision);
    EXPECT_FALSE(scan.projectors.at(0).info.audio);
}

TEST_F(ModelLibraryTest, AFileIsReadAgainOnlyWhenItChanges)
{
    ASSERT_TRUE(write(path("m/a.gguf"), modelFile("A")));
    ASSERT_TRUE(write(path("m/b.gguf"), modelFile("B")));
    const QString cacheFile = path("cache/models.json");
    ModelMetadataCache cache;
    ModelScan scan = scanModelFolders({{path("m"), Source::User}}, cache);
    EXPECT_EQ(scan.filesRead, 2);
    ASSERT_TRUE(cache.save(cacheFile));

    // The next start: nothing read, from the file.
    ModelMetadataCache loaded = ModelMetadataCache::load(cacheFile);
    scan = scanModelFolders({{path("m"), Source::User}}, loaded);
    EXPECT_EQ(scan.filesRead, 0);
    EXPECT_EQ(scan.filesCached, 2);
    ASSERT_EQ(scan.models.size(), 2);
    EXPECT_EQ(scan.models.at(0).displayName(), QStringLiteral("A"));
    EXPECT_EQ(scan.models.at(0).info.quantization, QStringLiteral("Q4_K_M"));

    // b changes (another size); a stays; a removed file leaves the cache.
    ASSERT_TRUE(write(path("m/b.gguf"), modelFile("B, again")));
    ASSERT_TRUE(QFile::remove(path("m/a.gguf")));
    scan = scanModelFolders({{path("m"), Source::User}}, loaded);
    EXPECT_EQ(scan.filesRead, 1);
    ASSERT_EQ(scan.models.size(), 1);
    EXPECT_EQ(scan.models.at(0).displayName(), QStringLiteral("B, again"));
    EXPECT_EQ(loaded.size(), 1);

    // A damaged cache file is an empty cache, not an error.
    ASSERT_TRUE(write(cacheFile, "{not json"));
    EXPECT_EQ(ModelMetadataCache::load(cacheFile).size(), 0);
}

TEST_F(ModelLibraryTest, ScansOffTheCallersThreadAndSeesAFileThatArrives)
{
    ASSERT_TRUE(write(path("m/first.gguf"), modelFile("First")));
    ModelLibrary library(path("cache.json"));
    QSignalSpy finished(&library, &ModelLibrary::scanFinished);
    library.setFolders({{path("m"), Source::User}});
    EXPECT_TRUE(library.isScanning()) << "the scan runs on the worker, not in setFolders()";
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_FALSE(library.isScanning());
    ASSERT_EQ(library.models().size(), 1);
    EXPECT_EQ(library.models().at(0).displayName(), QStringLiteral("First"));
    EXPECT_TRUE(QFile::exists(path("cache.json")));

    // A download lands in a subfolder: the library notices by itself.
    ASSERT_TRUE(write(path("m/new/second.gguf"), modelFile("Second")));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return library.models().size() == 2; }, std::chrono::seconds(10)));
    EXPECT_EQ(library.filesRead(), 1) << "only the new file is read";
    EXPECT_EQ(library.filesCached(), 1);
}

TEST_F(ModelLibraryTest, AFolderThatAppearsLaterIsNoticed)
{
    // llama.cpp's cache before the first download, ~/models before the user makes it.
    ModelLibrary library(path("cache.json"));
    QSignalSpy finished(&library, &ModelLibrary::scanFinished);
    library.setFolders({{path("later/models"), Source::User}});
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_TRUE(library.models().isEmpty());
    ASSERT_TRUE(write(path("later/models/arrived.gguf"), modelFile("Arrived")));
    ASSERT_TRUE(TestSupport::waitUntil([&] { return library.models().size() == 1; }, std::chrono::seconds(10)));
    EXPECT_EQ(library.models().at(0).displayName(), QStringLiteral("Arrived"));
}
