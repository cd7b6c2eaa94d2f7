#pragma once

#include <QString>

namespace Llamadesk
{
// The name a model goes by in the API, the title bar, on answers and in the store: the file
// name without ".gguf" ("/m/Qwen3-8B-Q4_K_M.gguf" → "Qwen3-8B-Q4_K_M"). Never a path. Commas
// become "_", because llama-server reads --alias as a comma-separated list. The model library
// of a later issue may offer better names; it must keep them unique, since two quantizations
// of one model share a general.name.
QString modelAlias(const QString &modelPath);

// What to show for a model name a server reported or the store holds: a name stays as it is;
// a path (what llama-server reports without --alias, and what older Llamadesk stored) becomes
// its file name without ".gguf". Empty stays empty.
QString displayModelName(const QString &reported);
} // namespace Llamadesk
