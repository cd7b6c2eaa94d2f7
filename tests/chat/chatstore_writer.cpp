// The process that the ChatStore kill tests SIGKILL: it streams an answer into a store the way
// the app does (a Streaming message rewritten with ever longer content) and prints
// "UPDATED <n>" once the n-th updateMessage() has returned.
//
//   chatstore_writer DATABASE COUNT step   waits for a line on stdin before each update
//   chatstore_writer DATABASE COUNT run    updates as fast as it can
//
// Either way it then waits for stdin to close (or for the kill).
#include "core/chat/chatstore.h"

#include <QCoreApplication>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace
{
bool waitForLine()
{
    char line[64];
    return std::fgets(line, sizeof line, stdin) != nullptr;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Standard output carries only the lines the test reads.
    spdlog::set_default_logger(spdlog::stderr_color_mt("writer"));
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 4 || (args.at(3) != u"step" && args.at(3) != u"run")) {
        std::fprintf(stderr, "usage: chatstore_writer DATABASE COUNT step|run\n");
        return 2;
    }
    const int count = args.at(2).toInt();
    const bool step = args.at(3) == u"step";

    Llamadesk::ChatStore store(args.at(1));
    if (const Llamadesk::StoreStatus opened = store.open(); !opened) {
        std::fprintf(stderr, "open failed: %s\n", qPrintable(opened.message()));
        return 1;
    }
    Llamadesk::StoredMessage answer;
    const Llamadesk::StoreResult<qint64> conversation = store.createConversation(QStringLiteral("Killed mid-answer"));
    if (!conversation) {
        std::fprintf(stderr, "createConversation failed: %s\n", qPrintable(conversation.message()));
        return 1;
    }
    answer.conversationId = conversation.value();
    answer.role = Llamadesk::Role::Assistant;
    answer.state = Llamadesk::MessageState::Streaming;
    const Llamadesk::StoreResult<qint64> added = store.addMessage(answer);
    if (!added) {
        std::fprintf(stderr, "addMessage failed: %s\n", qPrintable(added.message()));
        return 1;
    }
    answer.id = added.value();
    std::printf("MESSAGE %lld\n", static_cast<long long>(answer.id));
    std::fflush(stdout);

    for (int n = 1; n <= count; ++n) {
        if (step && !waitForLine())
            return 0;
        answer.content += QStringLiteral("Part %1 of the answer, long enough to fill a few pages. ").arg(n);
        answer.predictedTokens = n;
        if (const Llamadesk::StoreStatus saved = store.updateMessage(answer); !saved) {
            std::fprintf(stderr, "updateMessage failed: %s\n", qPrintable(saved.message()));
            return 1;
        }
        std::printf("UPDATED %d\n", n);
        std::fflush(stdout);
    }
    while (waitForLine()) {}
    return 0;
}
