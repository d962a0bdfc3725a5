// The two channels herald delivers on.
#pragma once

#include <optional>
#include <string_view>

namespace herald {

enum class channel { email, sms };

constexpr std::string_view to_string(channel c) noexcept {
    return c == channel::email ? "email" : "sms";
}

constexpr std::optional<channel> parse_channel(std::string_view s) noexcept {
    if (s == "email") return channel::email;
    if (s == "sms") return channel::sms;
    return std::nullopt;
}

}  // namespace herald
