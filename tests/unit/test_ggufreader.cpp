#include "core/models/ggufreader.h"

#include "ggufbuilder.h"
#include "testsupport.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>

#include <gtest/gtest.h>

#include <limits>

using namespace Llamadesk;
using TestSupport::GgufBuilder;

namespace
{
QString model(const char *name)
{
    return TestSupport::sharedDir() + QStringLiteral("/models/") + QString::fromLatin1(name);
}

GgufFile readOk(const QByteArray &bytes)
{
    auto result = GgufReader::readBytes(bytes);
    if (const auto *error = std::get_if<GgufError>(&result)) {
        ADD_FAILURE() << error->message.toStdString();
        return {};
    }
    return std::get<GgufFile>(result);
}

QString errorOf(const QByteArray &bytes)
{
    auto result = GgufReader::readBytes(bytes);
    if (const auto *error = std::get_if<GgufError>(&result))
        return error->message;
    return {};
}

// Where a real file's tensor infos end and its tensor data begins.
qint64 headerEnd(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    if (!std::holds_alternative<GgufFile>(GgufReader::read(file)))
        return -1;
    return file.pos();
}
// A real file's header: its bytes up to where the tensor data begins.
QByteArray headerOf(const char *name)
{
    const QString path = model(name);
    const qint64 end = headerEnd(path);
    QFile file(path);
    if (end <= 0 || !file.open(QIODevice::ReadOnly))
        return {};
    return file.read(end);
}
} // namespace

TEST(GgufReader, ReadsTheTinyModelsMetadataAndShape)
{
    const auto result = GgufReader::readFile(model("tiny-llama.gguf"));
    ASSERT_TRUE(std::holds_alternative<GgufFile>(result)) << std::get<GgufError>(result).message.toStdString();
    const GgufFile &file = std::get<GgufFile>(result);
    EXPECT_EQ(file.version, 3u);
    EXPECT_EQ(file.metadata.size(), 26);
    EXPECT_EQ(file.tensors.size(), 21);
    // The vocabulary: all 32,064 tokens read, the first ones kept.
    const GgufValue *tokens = file.find(u"tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->type, GgufValue::Type::Array);
    EXPECT_EQ(tokens->elementType, GgufValue::Type::String);
    EXPECT_EQ(tokens->count, 32064u);
    EXPECT_EQ(tokens->items.size(), GgufReader::KeptArrayItems);
    EXPECT_EQ(tokens->items.at(1).text, QStringLiteral("<s>"));
    EXPECT_EQ(file.integer(u"tokenizer.ggml.eos_token_id"), 32000);
    EXPECT_EQ(file.boolean(u"tokenizer.ggml.add_bos_token"), true);

    const GgufModelInfo info = GgufReader::describe(file);
    EXPECT_EQ(info.architecture, QStringLiteral("llama"));
    EXPECT_EQ(info.name, QStringLiteral("tiny-llama-random"));
    EXPECT_EQ(info.size, 9100864u);
    EXPECT_EQ(info.contextLength, 2048);
    EXPECT_EQ(info.layers, 2);
    EXPECT_EQ(info.embedding, 64);
    EXPECT_EQ(info.heads, 4);
    EXPECT_EQ(info.headsKv, 4);
    EXPECT_EQ(info.keyLength, 16); // 64 / 4
    EXPECT_EQ(info.valueLength, 16);
    EXPECT_EQ(info.fileType, 1);
    EXPECT_EQ(info.quantization, QStringLiteral("F16"));
    EXPECT_EQ(info.parameters, 4186432u); // the sum over its 21 tensors' shapes
    EXPECT_TRUE(info.chatTemplate.startsWith(u"{% for message in messages %}"));
    EXPECT_FALSE(info.thinking);
    EXPECT_FALSE(info.tools);
    EXPECT_FALSE(info.projector);
}

TEST(GgufReader, AThinkingTemplateIsRecognised)
{
    const auto result = GgufReader::readFile(model("tiny-llama-think.gguf"));
    ASSERT_TRUE(std::holds_alternative<GgufFile>(result));
    EXPECT_TRUE(GgufReader::describe(std::get<GgufFile>(result)).thinking);

    GgufBuilder tools;
    tools.string("general.architecture", "qwen3")
            .string("tokenizer.chat_template", "{% if tools %}<tools>{{ tools | tojson }}</tools>{% endif %}");
    const GgufModelInfo info = GgufReader::describe(readOk(tools.bytes()));
    EXPECT_TRUE(info.tools);
    EXPECT_FALSE(info.thinking);
}

TEST(GgufReader, AProjectorSaysWhatItLetsTheModelTake)
{
    struct Case
    {
        const char *file;
        bool vision;
        bool audio;
        const char *type;
    };
    for (const Case &c : {Case{"tiny-mmproj-vision.gguf", true, false, "gemma3"},
                          Case{"tiny-mmproj-audio.gguf", false, true, "qwen2a"},
                          Case{"tiny-mmproj-both.gguf", true, true, "gemma3 + qwen2a"}}) {
        SCOPED_TRACE(c.file);
        const auto result = GgufReader::readFile(model(c.file));
        ASSERT_TRUE(std::holds_alternative<GgufFile>(result));
        const GgufModelInfo info = GgufReader::describe(std::get<GgufFile>(result));
        EXPECT_EQ(info.architecture, QStringLiteral("clip"));
        EXPECT_TRUE(info.projector);
        EXPECT_EQ(info.vision, c.vision);
        EXPECT_EQ(info.audio, c.audio);
        EXPECT_EQ(info.projectorType, QString::fromLatin1(c.type));
        EXPECT_GT(info.parameters, 0u);
    }
}

TEST(GgufReader, StopsAtTheTensorDataAndNeedsNoneOfIt)
{
    // The file cut right after its tensor infos reads the same: nothing past them is touched.
    const QByteArray header = headerOf("tiny-mmproj-vision.gguf");
    ASSERT_FALSE(header.isEmpty());
    EXPECT_LT(header.size(), QFileInfo(model("tiny-mmproj-vision.gguf")).size() / 4) << "the data is most of the file";
    const GgufFile cut = readOk(header);
    EXPECT_EQ(GgufReader::describe(cut).parameters, 84608u);
    // And one byte less is a file cut short.
    EXPECT_FALSE(errorOf(header.left(header.size() - 1)).isEmpty());
}

TEST(GgufReader, EveryCutOfARealHeaderIsAnErrorNotACrash)
{
    const QByteArray header = headerOf("tiny-mmproj-both.gguf");
    ASSERT_FALSE(header.isEmpty());
    for (qsizetype length = 0; length < header.size(); length += (length < 512 ? 1 : 7)) {
        const QString error = errorOf(header.left(length));
        ASSERT_FALSE(error.isEmpty()) << "a header cut at " << length << " bytes was read as whole";
    }
}

TEST(GgufReader, ReadsEveryValueType)
{
    GgufBuilder b;
    b.key("u8", GgufBuilder::UInt8).put<uint8_t>(250);
    b.key("i8", GgufBuilder::Int8).put<int8_t>(-5);
    b.key("u16", GgufBuilder::UInt16).put<uint16_t>(65000);
    b.key("i16", GgufBuilder::Int16).put<int16_t>(-30000);
    b.key("u32", GgufBuilder::UInt32).put<uint32_t>(4000000000u);
    b.key("i32", GgufBuilder::Int32).put<int32_t>(-2000000000);
    b.key("u64", GgufBuilder::UInt64).put<uint64_t>(std::numeric_limits<uint64_t>::max());
    b.key("i64", GgufBuilder::Int64).put<int64_t>(std::numeric_limits<int64_t>::min());
    b.key("f32", GgufBuilder::Float32).putFloat(1.5f);
    b.key("f64", GgufBuilder::Float64).putDouble(-0.25);
    b.boolean("yes", true);
    b.string("text", "Привет, GGUF");
    // An array of two arrays of int16.
    b.key("nested", GgufBuilder::Array).put<uint32_t>(GgufBuilder::Array);
    b.put<uint64_t>(2);
    for (const int first : {1, 3}) {
        b.put<uint32_t>(GgufBuilder::Int16);
        b.put<uint64_t>(2);
        b.put<int16_t>(static_cast<int16_t>(first));
        b.put<int16_t>(static_cast<int16_t>(first + 1));
    }
    b.tensor("w", {4, 3}).tensor("b", {3});

    const GgufFile file = readOk(b.bytes());
    EXPECT_EQ(file.integer(u"u8"), 250);
    EXPECT_EQ(file.integer(u"i8"), -5);
    EXPECT_EQ(file.integer(u"u16"), 65000);
    EXPECT_EQ(file.integer(u"i16"), -30000);
    EXPECT_EQ(file.integer(u"u32"), 4000000000LL);
    EXPECT_EQ(file.integer(u"i32"), -2000000000);
    EXPECT_EQ(file.integer(u"u64"), std::nullopt) << "past qint64";
    EXPECT_EQ(file.find(u"u64")->scalar.toULongLong(), std::numeric_limits<quint64>::max());
    EXPECT_EQ(file.integer(u"i64"), std::numeric_limits<qint64>::min());
    EXPECT_DOUBLE_EQ(file.find(u"f32")->scalar.toDouble(), 1.5);
    EXPECT_DOUBLE_EQ(file.find(u"f64")->scalar.toDouble(), -0.25);
    EXPECT_EQ(file.boolean(u"yes"), true);
    EXPECT_EQ(file.string(u"text"), QStringLiteral("Привет, GGUF"));
    const GgufValue *nested = file.find(u"nested");
    ASSERT_NE(nested, nullptr);
    ASSERT_EQ(nested->items.size(), 2);
    EXPECT_EQ(nested->items.at(1).items.at(1).toInteger(), 4);
    EXPECT_EQ(file.tensors.at(0).dims, (QList<quint64>{4, 3}));
    EXPECT_EQ(GgufReader::describe(file).parameters, 15u);
}

TEST(GgufReader, HostileCountsAreRefusedBeforeAnythingIsAllocated)
{
    // Each would ask for terabytes if believed; the file is a few dozen bytes.
    {
        GgufBuilder b;
        b.key("tokens", GgufBuilder::Array).put<uint32_t>(GgufBuilder::String);
        b.put<uint64_t>(uint64_t{1} << 40);
        EXPECT_TRUE(errorOf(b.bytes()).contains(u"more than any real file")) << errorOf(b.bytes()).toStdString();
    }
    {
        GgufBuilder b;
        b.key("scores", GgufBuilder::Array).put<uint32_t>(GgufBuilder::Float32);
        b.put<uint64_t>(1000000); // within the limit, but 4 MB the file does not have
        EXPECT_TRUE(errorOf(b.bytes()).contains(u"cut short")) << errorOf(b.bytes()).toStdString();
    }
    {
        GgufBuilder b;
        b.key("name", GgufBuilder::String).put<uint64_t>(std::numeric_limits<uint64_t>::max());
        EXPECT_FALSE(errorOf(b.bytes()).isEmpty());
    }
    {
        GgufBuilder b;
        b.key("name", GgufBuilder::String).put<uint64_t>(1u << 20); // 1 MiB the file does not have
        EXPECT_TRUE(errorOf(b.bytes()).contains(u"cut short"));
    }
    {
        // Entry and tensor counts far past the file.
        QByteArray bytes = GgufBuilder().bytes();
        qToLittleEndian<quint64>(quint64{1} << 50, bytes.data() + 8);
        EXPECT_TRUE(errorOf(bytes).contains(u"tensors")) << errorOf(bytes).toStdString();
        bytes = GgufBuilder().bytes();
        qToLittleEndian<quint64>(1000, bytes.data() + 16);
        EXPECT_TRUE(errorOf(bytes).contains(u"cut short")) << errorOf(bytes).toStdString();
    }
    {
        // Arrays nested without end.
        GgufBuilder b;
        b.key("deep", GgufBuilder::Array);
        for (int i = 0; i < 10; ++i) {
            b.put<uint32_t>(GgufBuilder::Array);
            b.put<uint64_t>(1);
        }
        EXPECT_TRUE(errorOf(b.bytes()).contains(u"nested")) << errorOf(b.bytes()).toStdString();
    }
}

TEST(GgufReader, WhatIsNotAGgufFileSaysSo)
{
    EXPECT_TRUE(errorOf(QByteArray()).contains(u"cut short"));
    EXPECT_TRUE(errorOf(GgufBuilder(3, "GGML").bytes()).contains(u"not a GGUF file"));
    EXPECT_TRUE(errorOf(GgufBuilder(1).bytes()).contains(u"version 1"));
    EXPECT_TRUE(errorOf(GgufBuilder(4).bytes()).contains(u"version 4"));
    GgufBuilder unknownType;
    unknownType.key("x", static_cast<GgufBuilder::Type>(13)).put<uint32_t>(0);
    EXPECT_TRUE(errorOf(unknownType.bytes()).contains(u"unknown type 13"));
    GgufBuilder notABool;
    notABool.key("flag", GgufBuilder::Bool).put<uint8_t>(2);
    EXPECT_FALSE(errorOf(notABool.bytes()).isEmpty());
    GgufBuilder manyDims;
    manyDims.tensor("t", {1, 1, 1, 1, 1, 1, 1, 1, 1});
    EXPECT_TRUE(errorOf(manyDims.bytes()).contains(u"dimensions"));
    // A file that is not there names itself.
    const auto missing = GgufReader::readFile(QStringLiteral("/nonexistent/model.gguf"));
    ASSERT_TRUE(std::holds_alternative<GgufError>(missing));
    EXPECT_TRUE(std::get<GgufError>(missing).message.contains(u"/nonexistent/model.gguf"));
}

TEST(GgufReader, QuantizationsHaveLlamaCppsNames)
{
    EXPECT_EQ(GgufReader::fileTypeName(15), QStringLiteral("Q4_K_M"));
    EXPECT_EQ(GgufReader::fileTypeName(7), QStringLiteral("Q8_0"));
    EXPECT_EQ(GgufReader::fileTypeName(32), QStringLiteral("BF16"));
    EXPECT_EQ(GgufReader::fileTypeName(30), QStringLiteral("IQ4_XS"));
    EXPECT_TRUE(GgufReader::fileTypeName(4).isEmpty()) << "removed from llama.cpp";
    EXPECT_TRUE(GgufReader::fileTypeName(1000).isEmpty());
}
