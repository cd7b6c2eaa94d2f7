#include "core/models/modelname.h"

#include <gtest/gtest.h>

using namespace Llamadesk;

TEST(ModelName, TheAliasIsTheFileNameWithoutGguf)
{
    EXPECT_EQ(modelAlias(QStringLiteral("/models/Qwen3-8B-Q4_K_M.gguf")), QStringLiteral("Qwen3-8B-Q4_K_M"));
    EXPECT_EQ(modelAlias(QStringLiteral("C:\\models\\gemma-3-4b.GGUF")), QStringLiteral("gemma-3-4b"));
    EXPECT_EQ(modelAlias(QStringLiteral("relative/tiny.bin")), QStringLiteral("tiny.bin"));
}

TEST(ModelName, TheAliasHoldsNoCommaBecauseLlamaServerSplitsAliasesAtCommas)
{
    EXPECT_EQ(modelAlias(QStringLiteral("/m/a,b,c.gguf")), QStringLiteral("a_b_c"));
}

TEST(ModelName, AReportedPathIsShownAsTheFileName)
{
    EXPECT_EQ(displayModelName(QStringLiteral("/SHARED/models/tiny-llama-think.gguf")),
              QStringLiteral("tiny-llama-think"));
    EXPECT_EQ(displayModelName(QStringLiteral("D:\\llm\\phi-3.gguf")), QStringLiteral("phi-3"));
}

TEST(ModelName, AReportedNameStaysAsItIs)
{
    EXPECT_EQ(displayModelName(QStringLiteral("gpt-4o-mini")), QStringLiteral("gpt-4o-mini"));
    EXPECT_EQ(displayModelName(QStringLiteral("tiny-llama.gguf")), QStringLiteral("tiny-llama.gguf"))
            << "a name without a path is the server's choice (b7347 reports the basename)";
    EXPECT_EQ(displayModelName(QString()), QString());
}
