#include "mime/address.hpp"

#include "mime/encode.hpp"
#include "mime/errors.hpp"

#include <idn2.h>

#include <cstring>
#include <memory>

namespace herald::mime {
namespace {

constexpr std::size_t k_max_local = 64;
constexpr std::size_t k_max_domain = 255;
constexpr std::size_t k_max_path = 256;  // with the angle brackets
constexpr std::size_t k_max_label = 63;

error bad(std::string detail) {
    return make_error(mime_errc::invalid_address, std::move(detail));
}

bool is_atext(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

bool is_wsp(char c) noexcept {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

// Octets of UTF8-non-ascii (RFC 6532 §3.1); the caller checks that the
// whole local part is valid UTF-8.
bool is_8bit(char c) noexcept {
    return static_cast<unsigned char>(c) >= 0x80;
}

// RFC 6531 §3.3: atext extended by UTF8-non-ascii.
bool is_dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]) && !is_8bit(s[i])) return false;
    }
    return true;
}

// RFC 5322 §3.2.4 with RFC 6531 §3.3's qtextSMTP: qtext (ASCII or
// UTF8-non-ascii), ASCII quoted-pairs and inner whitespace.
bool is_quoted_string(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\\') {
            if (i + 2 >= s.size()) return false;
            const auto e = static_cast<unsigned char>(s[++i]);
            if (e >= 0x7f || (e < 0x20 && e != '\t')) return false;
        } else if (c == '"' || c == 0x7f || (c < 0x20 && c != '\t')) {
            return false;
        }
    }
    return true;
}

// A display name as given: a quoted-string loses its quotes and escapes,
// anything else is taken literally (it is re-encoded when written).
result<std::string> display_name(std::string_view s) {
    if (s.empty() || s.front() != '"') return std::string(s);
    if (s.size() < 2 || s.back() != '"') return bad("unbalanced quotes in display name");
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '"') return bad("unescaped quote in display name");
        if (s[i] == '\\') {
            if (i + 2 >= s.size()) return bad("dangling backslash in display name");
            ++i;
        }
        out += s[i];
    }
    return out;
}

// Splits "display <spec>" at the first '<' outside quotes.
result<void> split_angle(std::string_view text, std::string_view& display, std::string_view& spec) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (quoted && text[i] == '\\') {
            ++i;
        } else if (text[i] == '"') {
            quoted = !quoted;
        } else if (text[i] == '<' && !quoted) {
            display = trim(text.substr(0, i));
            spec = text.substr(i + 1, text.size() - i - 2);
            return {};
        }
    }
    return bad("no '<' matches the closing '>'");
}

result<void> check_chars(std::string_view text) {
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n')
            return make_error(mime_errc::header_injection, "address contains CR or LF");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return bad("address contains a control character");
    }
    return {};
}

result<std::string> idn_to_ascii(std::string_view domain) {
    if (!is_valid_utf8(domain)) return bad("domain is not valid UTF-8");
    char* out = nullptr;
    const int rc =
        idn2_to_ascii_8z(std::string(domain).c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
    if (rc != IDN2_OK) return bad("domain " + std::string(domain) + ": " + idn2_strerror(rc));
    return std::string(out);
}

// Letters, digits, hyphens and dots only, and no label whose third and
// fourth characters are "--".
bool plain_ldh(std::string_view domain) {
    std::size_t label_start = 0;
    for (std::size_t i = 0; i < domain.size(); ++i) {
        const char c = domain[i];
        if (c == '.') {
            label_start = i + 1;
        } else if (c == '-') {
            if (i == label_start + 2 && i + 1 < domain.size() && domain[i + 1] == '-') return false;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

result<void> check_ldh(std::string_view domain) {
    auto invalid = [&](const char* why) { return bad("domain " + std::string(domain) + why); };
    std::size_t labels = 0, start = 0;
    for (;;) {
        const auto dot = domain.find('.', start);
        const auto label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        ++labels;
        if (label.empty() || label.size() > k_max_label || label.front() == '-' ||
            label.back() == '-')
            return invalid(" has an empty, over-long or hyphen-edged label");
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-'))
                return invalid(" has a character outside letters, digits and hyphens");
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return invalid(" is not fully qualified");
    return {};
}

bool is_plain_phrase(std::string_view s) {
    if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == ' ' ? s[i + 1] == ' ' : !is_atext(s[i])) return false;
    return true;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace

result<std::string> to_ascii_domain(std::string_view domain) {
    if (domain.empty()) return bad("empty domain");
    if (domain.front() == '[') return bad("address literals are not supported");
    // A plain ASCII name (no label with "--" at positions 3-4, where
    // A-labels and IDNA's reserved forms live) is what libidn2 would
    // return, lower-cased; it takes a quarter of the API's time per
    // request otherwise. Everything else goes through libidn2, which
    // converts U-labels and checks A-labels.
    result<std::string> ascii = plain_ldh(domain) ? ascii_lower(domain) : idn_to_ascii(domain);
    if (!ascii) return ascii.error();
    if (ascii->size() > k_max_domain) return bad("domain longer than 255 octets");
    if (auto r = check_ldh(*ascii); !r) return r.error();
    return ascii;
}

result<mailbox> parse_mailbox(std::string_view text) {
    if (auto r = check_chars(text); !r) return r.error();
    text = trim(text);
    if (text.empty()) return bad("empty address");
    mailbox m;
    std::string_view spec = text;
    if (text.back() == '>') {
        std::string_view display;
        if (auto r = split_angle(text, display, spec); !r) return r.error();
        auto name = display_name(display);
        if (!name) return name.error();
        if (!is_valid_utf8(*name)) return bad("display name is not valid UTF-8");
        m.display_name = std::move(*name);
    }
    if (spec.find_first_of("<>") != std::string_view::npos) return bad("stray '<' or '>'");
    const auto at = spec.rfind('@');
    if (at == std::string_view::npos) return bad("no '@' in " + std::string(spec));
    const auto local = spec.substr(0, at);
    if (!is_valid_utf8(local)) return bad("local part is not valid UTF-8");
    if (!is_dot_atom(local) && !is_quoted_string(local))
        return bad("invalid local part " + std::string(local));
    if (local.size() > k_max_local) return bad("local part longer than 64 octets");
    auto domain = to_ascii_domain(spec.substr(at + 1));
    if (!domain) return domain.error();
    m.local_part = local;
    m.domain = std::move(*domain);
    if (m.local_part.size() + 1 + m.domain.size() + 2 > k_max_path)
        return bad("path longer than 256 octets");
    return m;
}

bool mailbox::needs_smtputf8() const noexcept {
    return !is_ascii(local_part);
}

std::string format_mailbox(const mailbox& m) {
    if (m.display_name.empty()) return m.addr_spec();
    std::string out;
    if (!is_ascii(m.display_name) || m.display_name.find("=?") != std::string::npos) {
        for (const auto& w : encode_words(m.display_name)) {
            out += w;
            out += ' ';
        }
    } else if (is_plain_phrase(m.display_name)) {
        out = m.display_name + ' ';
    } else {
        out = quoted(m.display_name) + ' ';
    }
    return out + '<' + m.addr_spec() + '>';
}

}  // namespace herald::mime
