#pragma once

// Lets spdlog/fmt format Qt strings directly: spdlog::warn("bad value {}", someQString).
#include <QByteArray>
#include <QString>

#include <spdlog/fmt/fmt.h>

#include <string_view>

template <>
struct fmt::formatter<QString> : fmt::formatter<std::string_view>
{
    template <typename FormatContext>
    auto format(const QString &value, FormatContext &ctx) const
    {
        const QByteArray utf8 = value.toUtf8();
        return fmt::formatter<std::string_view>::format(std::string_view(utf8.constData(), utf8.size()), ctx);
    }
};

template <>
struct fmt::formatter<QByteArray> : fmt::formatter<std::string_view>
{
    template <typename FormatContext>
    auto format(const QByteArray &value, FormatContext &ctx) const
    {
        return fmt::formatter<std::string_view>::format(std::string_view(value.constData(), value.size()), ctx);
    }
};
