#include "smtp/extensions.hpp"

#include <charconv>
#include <string>

namespace herald::smtp {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// Splits "KEYWORD params" at the first space (or '=' for "AUTH=").
std::pair<std::string, std::string_view> keyword(std::string_view line) {
    auto end = line.find_first_of(" =");
    auto key = upper(line.substr(0, end));
    auto rest = end == std::string_view::npos ? std::string_view{} : line.substr(end + 1);
    return {std::move(key), rest};
}

void parse_auth(std::string_view mechs, extensions& ext) {
    while (!mechs.empty()) {
        auto sp = mechs.find(' ');
        auto m = upper(mechs.substr(0, sp));
        if (m == "PLAIN") ext.auth_plain = true;
        if (m == "LOGIN") ext.auth_login = true;
        mechs = sp == std::string_view::npos ? std::string_view{} : mechs.substr(sp + 1);
    }
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || n == 0) return std::nullopt;
    return n;
}

}  // namespace

extensions parse_extensions(const reply& ehlo) {
    extensions ext;
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        auto [key, params] = keyword(ehlo.lines[i]);
        if (key == "PIPELINING") ext.pipelining = true;
        if (key == "STARTTLS") ext.starttls = true;
        if (key == "8BITMIME") ext.eightbitmime = true;
        if (key == "SMTPUTF8") ext.smtputf8 = true;
        if (key == "ENHANCEDSTATUSCODES") ext.enhanced_status = true;
        if (key == "SIZE") ext.size = true, ext.max_size = parse_size(params);
        if (key == "AUTH") parse_auth(params, ext);
    }
    return ext;
}

}  // namespace herald::smtp
