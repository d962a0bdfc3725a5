#include "smtp/reply.hpp"

#include <charconv>

namespace herald::smtp {
namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// One to three digits at `s[pos]`, no leading sign; advances `pos`.
bool take_number(std::string_view s, std::size_t& pos, int& out) noexcept {
    const auto start = pos;
    while (pos < s.size() && pos - start < 3 && is_digit(s[pos]))
        ++pos;
    if (pos == start || (pos < s.size() && is_digit(s[pos]))) return false;
    std::from_chars(s.data() + start, s.data() + pos, out);
    return true;
}

}  // namespace

std::string enhanced_status::str() const {
    if (!valid()) return {};
    return std::to_string(cls) + '.' + std::to_string(subject) + '.' + std::to_string(detail);
}

enhanced_status parse_enhanced_status(std::string_view text) noexcept {
    // RFC 3463: class "." subject "." detail; class is one digit 2, 4 or 5.
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return {};
    enhanced_status st{text[0] - '0', 0, 0};
    std::size_t pos = 2;
    if (!take_number(text, pos, st.subject) || pos >= text.size() || text[pos] != '.') return {};
    ++pos;
    if (!take_number(text, pos, st.detail)) return {};
    if (pos < text.size() && text[pos] != ' ') return {};
    return st;
}

std::string reply::summary(std::size_t max) const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size() && out.size() < max; ++i) {
        out += i == 0 ? " " : " / ";
        for (char c : lines[i])
            out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (out.size() > max) {
        out.resize(max > 3 ? max - 3 : 0);
        out += "...";
    }
    return out;
}

reply_parser::state reply_parser::fail(std::string why) {
    error_ = std::move(why);
    reply_ = {};
    return state::malformed;
}

reply_parser::state reply_parser::feed(std::string_view line) {
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        line[0] < '2' || line[0] > '5')
        return fail("reply line does not start with a 2xx-5xx code");
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-')
        return fail("reply code not followed by a space or '-'");
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply_.lines.empty()) {
        reply_.code = code;
    } else if (code != reply_.code) {
        return fail("multi-line reply changes its code");
    }
    if (reply_.lines.size() >= limits_.max_lines)
        return fail("reply has more than " + std::to_string(limits_.max_lines) + " lines");
    auto text = line.size() > 4 ? line.substr(4) : std::string_view{};
    if (reply_.lines.empty()) {
        auto st = parse_enhanced_status(text);
        if (st.cls == reply_.code / 100) reply_.status = st;
    }
    reply_.lines.emplace_back(text);
    const bool last = line.size() == 3 || line[3] == ' ';
    return last ? state::done : state::more;
}

reply reply_parser::take() {
    reply out = std::move(reply_);
    reply_ = {};
    return out;
}

}  // namespace herald::smtp
