#pragma once

// What the FailureClassifier tests share: stderr blocks as llama-server prints them, and
// readable gtest output for QString and FailureKind.

#include "core/server/failureclassifier.h"

#include <QString>
#include <QStringList>

#include <initializer_list>
#include <ostream>

// Readable values in failure messages (found by argument-dependent lookup).
[[maybe_unused]] static void PrintTo(const QString &value, std::ostream *os)
{
    *os << '"' << value.toStdString() << '"';
}

namespace Llamadesk
{
[[maybe_unused]] static void PrintTo(FailureKind kind, std::ostream *os)
{
    *os << kindName(kind).toStdString();
}
} // namespace Llamadesk

namespace FailureClassifierTesting
{
inline QStringList lines(std::initializer_list<const char *> texts)
{
    QStringList out;
    for (const char *text : texts)
        out.append(QString::fromUtf8(text));
    return out;
}

// How every run starts, before anything goes wrong.
inline const QStringList Preamble = lines({
        "0.00.000.101 I build: 1 (80fb11a) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu",
        "0.00.000.180 I system info: n_threads = 2, n_threads_batch = 2, total_threads = 2",
        "0.00.000.201 W srv  llama_server: -----------------",
        "0.00.000.202 W srv  llama_server: CORS is set to allow all origins ('*') and no API key is set",
        "0.00.000.203 W srv  llama_server: this can be a security risk (cross-origin attacks)",
});

// The blocks of LLAMA_SERVER.md's table of failing starts, as llama-server prints them.
inline const QStringList PortInUse = Preamble
        + lines({
                "0.00.000.650 E srv         start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 18080",
                "0.00.000.655 E srv  llama_server: exiting due to HTTP server error",
        });

inline const QStringList ModelMissing = Preamble
        + lines({
                "0.00.000.733 I srv    load_model: loading model '/home/ada/models/nope.gguf'",
                "0.00.000.801 E gguf_init_from_file: failed to open GGUF file '/home/ada/models/nope.gguf' (No such file or "
                "directory)",
                "0.00.000.802 E llama_model_load: error loading model: llama_model_loader: failed to load model from "
                "/home/ada/models/nope.gguf",
                "0.00.000.803 E llama_model_load_from_file_impl: failed to load model",
                "0.00.000.804 E srv    load_model: failed to load model, '/home/ada/models/nope.gguf'",
                "0.00.000.805 I srv    operator(): operator(): cleaning up before exit...",
                "0.00.000.806 E srv  llama_server: exiting due to model loading error",
        });

inline QStringList failedLoad(const char *path, std::initializer_list<const char *> cause)
{
    const QString model = QString::fromUtf8(path);
    QStringList out = Preamble;
    out.append(QStringLiteral("0.00.000.733 I srv    load_model: loading model '%1'").arg(model));
    out.append(QStringLiteral("0.00.000.790 I llama_model_loader: loaded meta data with 24 key-value pairs"));
    out += lines(cause);
    out.append(QStringLiteral("0.00.000.803 E llama_model_load_from_file_impl: failed to load model"));
    out.append(QStringLiteral("0.00.000.804 E srv    load_model: failed to load model, '%1'").arg(model));
    out.append(QStringLiteral("0.00.000.805 I srv    operator(): operator(): cleaning up before exit..."));
    out.append(QStringLiteral("0.00.000.806 E srv  llama_server: exiting due to model loading error"));
    return out;
}

// A server that ran for a while: no line explains an exit.
inline const QStringList Running = Preamble
        + lines({
                "0.00.007.312 I srv  llama_server: model loaded",
                "0.00.007.330 I srv  llama_server: listening on http://127.0.0.1:18080",
                "0.01.200.000 I slot launch_slot_: id  0 | task 0 | processing task",
                "0.01.200.900 I slot      release: id  0 | task 0 | stop processing: n_tokens = 15, truncated = 0",
                "0.01.201.000 I srv  log_server_r: request: POST /v1/chat/completions 127.0.0.1 200",
        });
} // namespace FailureClassifierTesting
