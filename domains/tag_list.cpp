#include "domains/tag_list.hpp"

#include <algorithm>

namespace herald::domains {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && is_ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ws(s.back()))
        s.remove_suffix(1);
    return s;
}

bool alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool valid_name(std::string_view name) {
    if (name.empty() || !alpha(name.front())) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '_'; });
}

// VALCHAR (%x21-3A / %x3C-7E) or whitespace between them.
bool valid_value(std::string_view value) {
    return std::all_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return is_ws(c) || (u >= 0x21 && u <= 0x7e && c != ';');
    });
}

// A printable, bounded echo of a spec for the reason.
std::string shown(std::string_view spec) {
    std::string out;
    for (unsigned char c : spec.substr(0, 40))
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    if (spec.size() > 40) out += "...";
    return "\"" + out + "\"";
}

parse_result<std::vector<tag>> bad(std::string reason) {
    return {boost::system::in_place_error, std::move(reason)};
}

}  // namespace

bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

parse_result<std::vector<tag>> parse_tag_list(std::string_view text) {
    std::vector<tag> tags;
    std::size_t start = 0;
    for (std::size_t n = 1; start <= text.size(); ++n) {
        auto end = text.find(';', start);
        const bool last = end == std::string_view::npos;
        if (last) end = text.size();
        const auto spec = trimmed(text.substr(start, end - start));
        start = end + 1;
        if (spec.empty()) {
            if (last) break;  // nothing after the final ";"
            return bad("tag " + std::to_string(n) + " is empty (\";;\" or a leading \";\")");
        }
        const auto eq = spec.find('=');
        if (eq == std::string_view::npos)
            return bad("tag " + std::to_string(n) + " " + shown(spec) + " has no \"=\"");
        const auto name = trimmed(spec.substr(0, eq));
        const auto value = trimmed(spec.substr(eq + 1));
        if (!valid_name(name))
            return bad("tag " + std::to_string(n) + " " + shown(spec) + " has an invalid name");
        if (!valid_value(value))
            return bad("tag " + std::string(name) +
                       "= holds a character that is not printable ASCII");
        if (find_tag(tags, name)) return bad("tag " + std::string(name) + "= appears twice");
        tags.push_back({std::string(name), std::string(value)});
    }
    return tags;
}

const tag* find_tag(const std::vector<tag>& tags, std::string_view name) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const tag& t) { return t.name == name; });
    return it == tags.end() ? nullptr : &*it;
}

std::string without_whitespace(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text)
        if (!is_ws(c)) out += c;
    return out;
}

std::vector<std::string> split_list(std::string_view text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(sep, start);
        if (end == std::string_view::npos) end = text.size();
        out.emplace_back(trimmed(text.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

}  // namespace herald::domains
