#include "dns/name.hpp"

#include "dns/errors.hpp"

namespace herald::dns {
namespace {

// RFC 1035 §2.3.4: 255 octets on the wire, which is 253 in text form.
constexpr std::size_t k_max_name = 253;
constexpr std::size_t k_max_label = 63;

bool allowed(unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '\\';
}

// A printable, bounded echo of the refused name for the detail.
std::string shown(std::string_view name) {
    std::string out;
    for (unsigned char c : name.substr(0, 80))
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    if (name.size() > 80) out += "...";
    return out;
}

error bad(std::string_view name, std::string_view why) {
    return make_error(dns_errc::bad_name, "\"" + shown(name) + "\": " + std::string(why));
}

}  // namespace

result<std::string> normalize_name(std::string_view name) {
    std::string_view n = name;
    if (n.ends_with('.')) n.remove_suffix(1);
    if (n.empty()) return bad(name, "empty name");
    if (n.size() > k_max_name) return bad(name, "longer than 253 octets");
    std::size_t label = 0;
    for (unsigned char c : n) {
        if (c == '.') {
            if (label == 0) return bad(name, "empty label");
            label = 0;
            continue;
        }
        if (!allowed(c)) return bad(name, c >= 0x80 ? "not in A-label form" : "invalid character");
        if (++label > k_max_label) return bad(name, "label longer than 63 octets");
    }
    if (label == 0) return bad(name, "empty label");
    return std::string(n);
}

}  // namespace herald::dns
