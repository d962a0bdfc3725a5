#include "core/message_id.hpp"

#include <charconv>

namespace herald {
namespace {

template <class T>
bool parse_number(std::string_view& s, T& out) {
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, out);
    if (ec != std::errc{} || p == s.data()) return false;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    return true;
}

bool eat(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<message_id> message_id::parse(std::string_view s) {
    message_id id;
    if (parse_number(s, id.ms) && eat(s, '-') && parse_number(s, id.seq) && eat(s, '-') &&
        parse_number(s, id.shard) && s.empty() && id.ms >= 0)
        return id;
    return std::nullopt;
}

std::optional<message_id> message_id::from_entry(std::string_view entry_id, std::uint32_t shard) {
    message_id id;
    id.shard = shard;
    if (parse_number(entry_id, id.ms) && eat(entry_id, '-') && parse_number(entry_id, id.seq) &&
        entry_id.empty() && id.ms >= 0)
        return id;
    return std::nullopt;
}

std::string message_id::str() const {
    return std::to_string(ms) + '-' + std::to_string(seq) + '-' + std::to_string(shard);
}

}  // namespace herald
