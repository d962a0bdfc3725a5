#include "domains/spf/macro.hpp"

#include <algorithm>
#include <cctype>

namespace herald::domains::spf {
namespace {

constexpr std::size_t k_max_macro_string = 1024;
constexpr std::string_view k_delimiters = ".-+,/_=";
constexpr int k_max_digits = 128;

herald::error syntax(std::string_view text, std::size_t at, std::string_view why) {
    return make_error(errc::invalid_argument, "macro \"" + std::string(text.substr(0, 80)) +
                                                  "\" at " + std::to_string(at) + ": " +
                                                  std::string(why));
}

bool letter_allowed(char c, macro_use use) {
    switch (c) {
        case 's':
        case 'l':
        case 'o':
        case 'd':
        case 'i':
        case 'p':
        case 'h':
        case 'v':
            return true;
        case 'c':
        case 'r':
        case 't':
            return use == macro_use::explanation;
        default:
            return false;
    }
}

// %{...} from just after the "{": letter, digits, "r", delimiters, "}".
herald::result<macro_part> parse_braced(std::string_view text, std::size_t& i, macro_use use) {
    macro_part p;
    const auto start = i;
    if (i >= text.size()) return syntax(text, start, "unterminated %{");
    const char raw = text[i++];
    p.letter = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
    p.url_escape = std::isupper(static_cast<unsigned char>(raw)) != 0;
    if (!letter_allowed(p.letter, use))
        return syntax(text, start, std::string("macro letter '") + raw + "' not allowed here");
    bool any_digit = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        any_digit = true;
        p.digits = std::min(p.digits * 10 + (text[i++] - '0'), k_max_digits + 1);
    }
    if (any_digit && p.digits == 0) return syntax(text, start, "a digit transformer of 0");
    if (i < text.size() && (text[i] == 'r' || text[i] == 'R')) {
        p.reverse = true;
        ++i;
    }
    while (i < text.size() && k_delimiters.find(text[i]) != std::string_view::npos)
        p.delimiters += text[i++];
    if (i >= text.size() || text[i] != '}') return syntax(text, start, "expected '}'");
    ++i;
    return p;
}

void add_literal(macro_string& m, std::string_view s) {
    if (m.parts.empty() || m.parts.back().letter != 0) m.parts.emplace_back();
    m.parts.back().literal += s;
}

bool alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view l) {
    if (l.empty() || !alnum(l.front()) || !alnum(l.back())) return false;
    bool alpha = false, hyphen = false;
    for (char c : l) {
        if (c == '-') {
            hyphen = true;
        } else if (!alnum(c)) {
            return false;
        } else if (std::isalpha(static_cast<unsigned char>(c))) {
            alpha = true;
        }
    }
    return alpha || hyphen;
}

std::string ip_dotted(const boost::asio::ip::address& ip) {
    if (ip.is_v4()) return ip.to_v4().to_string();
    // §7.3: IPv6 as dot-separated nibbles, most significant first.
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (auto b : ip.to_v6().to_bytes()) {
        if (!out.empty()) out += '.';
        out += hex[b >> 4];
        out += '.';
        out += hex[b & 0xf];
    }
    return out;
}

std::string value_of(char letter, const macro_context& c) {
    switch (letter) {
        case 's':
            return c.sender;
        case 'l':
            return local_part(c.sender);
        case 'o':
            return sender_domain(c.sender);
        case 'd':
            return c.domain;
        case 'i':
            return ip_dotted(c.ip);
        case 'p':
            return c.validated.empty() ? "unknown" : c.validated;
        case 'h':
            return c.helo;
        case 'v':
            return c.ip.is_v4() ? "in-addr" : "ip6";
        case 'c':
            return c.ip.to_string();
        case 'r':
            return c.receiver;
        case 't':
            return std::to_string(c.now);
        default:
            return {};
    }
}

// §7.3: split on the delimiters, reverse, keep the rightmost parts, join with ".".
std::string transform(const std::string& value, const macro_part& p) {
    if (p.digits == 0 && !p.reverse && p.delimiters.empty()) return value;
    std::string_view delims = p.delimiters;
    if (delims.empty()) delims = ".";
    std::vector<std::string> parts(1);
    for (char ch : value) {
        if (delims.find(ch) != std::string_view::npos)
            parts.emplace_back();
        else
            parts.back() += ch;
    }
    if (p.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t from = 0;
    if (p.digits > 0 && static_cast<std::size_t>(p.digits) < parts.size())
        from = parts.size() - static_cast<std::size_t>(p.digits);
    std::string out;
    for (std::size_t i = from; i < parts.size(); ++i) {
        if (i > from) out += '.';
        out += parts[i];
    }
    return out;
}

// RFC 3986 unreserved characters stay; every other octet becomes %XX.
std::string url_escape(const std::string& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

}  // namespace

bool macro_string::uses(char letter) const noexcept {
    return std::any_of(parts.begin(), parts.end(),
                       [letter](const macro_part& p) { return p.letter == letter; });
}

herald::result<macro_string> parse_macro_string(std::string_view text, macro_use use) {
    if (text.size() > k_max_macro_string) return syntax(text, 0, "longer than 1024 octets");
    macro_string m;
    m.text = std::string(text);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c != '%') {
            // macro-literal = %x21-24 / %x26-7E; an explanation also has spaces.
            bool ok = (c >= 0x21 && c <= 0x7e) || (c == ' ' && use == macro_use::explanation);
            if (!ok) return syntax(text, i, "character not allowed");
            add_literal(m, text.substr(i, 1));
            m.ends_in_expand = false;
            ++i;
            continue;
        }
        if (i + 1 >= text.size()) return syntax(text, i, "lone '%' at the end");
        const char next = text[i + 1];
        i += 2;
        m.ends_in_expand = true;
        if (next == '%') {
            add_literal(m, "%");
        } else if (next == '_') {
            add_literal(m, " ");
        } else if (next == '-') {
            add_literal(m, "%20");
        } else if (next == '{') {
            auto p = parse_braced(text, i, use);
            if (!p) return p.error();
            m.parts.push_back(std::move(*p));
        } else {
            return syntax(text, i - 2, "'%' must be followed by '{', '%', '_' or '-'");
        }
    }
    return m;
}

bool has_domain_end(const macro_string& m) noexcept {
    if (m.ends_in_expand) return true;
    if (m.parts.empty() || m.parts.back().letter != 0) return false;
    std::string_view lit = m.parts.back().literal;
    if (lit.ends_with('.')) lit.remove_suffix(1);
    auto dot = lit.rfind('.');
    if (dot == std::string_view::npos) return false;
    return is_toplabel(lit.substr(dot + 1));
}

std::string expand(const macro_string& m, const macro_context& ctx) {
    std::string out;
    for (const auto& p : m.parts) {
        if (p.letter == 0) {
            out += p.literal;
            continue;
        }
        auto v = transform(value_of(p.letter, ctx), p);
        out += p.url_escape ? url_escape(v) : v;
    }
    return out;
}

std::string fit_domain(std::string name) {
    while (name.ends_with('.'))
        name.pop_back();
    while (name.size() > 253) {
        auto dot = name.find('.');
        if (dot == std::string::npos) return {};
        name.erase(0, dot + 1);
    }
    return name;
}

std::string local_part(std::string_view sender) {
    auto at = sender.rfind('@');
    if (at == std::string_view::npos || at == 0) return "postmaster";
    return std::string(sender.substr(0, at));
}

std::string sender_domain(std::string_view sender) {
    auto at = sender.rfind('@');
    return std::string(at == std::string_view::npos ? sender : sender.substr(at + 1));
}

}  // namespace herald::domains::spf
