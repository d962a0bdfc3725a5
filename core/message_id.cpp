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

bool parse_entry(std::string_view& s, message_id& id) {
    return parse_number(s, id.ms) && eat(s, '-') && parse_number(s, id.seq) && id.ms >= 0;
}

}  // namespace

std::optional<message_id> message_id::parse(std::string_view s) {
    message_id id;
    if (!parse_entry(s, id) || !eat(s, '-') || s.empty()) return std::nullopt;
    if (s.front() != 'e' && s.front() != 's') return std::nullopt;
    id.ch = s.front() == 'e' ? channel::email : channel::sms;
    s.remove_prefix(1);
    if (!parse_number(s, id.shard) || !s.empty()) return std::nullopt;
    return id;
}

std::optional<message_id> message_id::from_entry(std::string_view entry_id, channel ch,
                                                 std::uint32_t shard) {
    message_id id;
    id.ch = ch;
    id.shard = shard;
    if (!parse_entry(entry_id, id) || !entry_id.empty()) return std::nullopt;
    return id;
}

std::string message_id::str() const {
    return std::to_string(ms) + '-' + std::to_string(seq) + '-' +
           (ch == channel::email ? 'e' : 's') + std::to_string(shard);
}

}  // namespace herald
