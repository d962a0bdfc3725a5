#include "mime/encode.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace herald::mime {

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}
namespace {

constexpr char k_hex[] = "0123456789ABCDEF";
constexpr char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_wsp_or_eol(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_b64_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

void append_hex(std::string& out, unsigned char c) {
    out += '=';
    out += k_hex[c >> 4];
    out += k_hex[c & 0x0f];
}

// Bytes of the UTF-8 character starting with `lead` (input already validated).
std::size_t utf8_length(unsigned char lead) noexcept {
    if (lead < 0x80) return 1;
    if (lead < 0xe0) return 2;
    if (lead < 0xf0) return 3;
    return 4;
}

// RFC 2047 §5(3): in a phrase, Q may leave only these unencoded.
bool q_literal(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '!' ||
           c == '*' || c == '+' || c == '-' || c == '/';
}

std::size_t q_cost(unsigned char c) noexcept {
    return q_literal(c) || c == ' ' ? 1 : 3;
}

void append_q(std::string& out, std::string_view s) {
    for (unsigned char c : s) {
        if (q_literal(c))
            out += static_cast<char>(c);
        else if (c == ' ')
            out += '_';
        else
            append_hex(out, c);
    }
}

void append_b(std::string& out, std::string_view s) {
    std::size_t i = 0;
    for (; i + 3 <= s.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(s[i]) << 16) |
                       (static_cast<unsigned char>(s[i + 1]) << 8) |
                       static_cast<unsigned char>(s[i + 2]);
        out += k_b64[(n >> 18) & 63];
        out += k_b64[(n >> 12) & 63];
        out += k_b64[(n >> 6) & 63];
        out += k_b64[n & 63];
    }
    if (i == s.size()) return;
    const bool two = i + 2 == s.size();
    const auto n = (static_cast<unsigned char>(s[i]) << 16) |
                   (two ? static_cast<unsigned char>(s[i + 1]) << 8 : 0);
    out += k_b64[(n >> 18) & 63];
    out += k_b64[(n >> 12) & 63];
    out += two ? k_b64[(n >> 6) & 63] : '=';
    out += '=';
}

constexpr std::size_t k_word_overhead = 12;  // "=?UTF-8?B?" and "?="

}  // namespace

bool is_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xc2 && c < 0xe0) {
            n = 1, cp = c & 0x1f;
        } else if (c >= 0xe0 && c < 0xf0) {
            n = 2, cp = c & 0x0f;
        } else if (c >= 0xf0 && c < 0xf5) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // truncated character
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

// ---- base64 -------------------------------------------------------------

bool check_base64(std::string_view b64, std::size_t& chars) noexcept {
    std::size_t n = 0, pad = 0;
    for (char c : b64) {
        if (is_wsp_or_eol(c)) continue;
        if (c == '=') {
            ++pad;
        } else if (pad > 0 || !is_b64_char(c)) {
            return false;  // data after padding, or outside the alphabet
        }
        ++n;
    }
    chars = n;
    return n % 4 == 0 && pad <= 2;
}

void append_base64_lines(std::string& out, std::string_view b64) {
    std::size_t col = 0;
    for (char c : b64) {
        if (is_wsp_or_eol(c)) continue;
        if (col == 76) {
            out += "\r\n";
            col = 0;
        }
        out += c;
        ++col;
    }
}

// ---- text bodies --------------------------------------------------------

text_encoding choose_text_encoding(std::string_view text, std::size_t max_line) noexcept {
    std::size_t col = 0;
    char last = 0;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n') {
            if (last == ' ' || last == '\t') return text_encoding::quoted_printable;
            col = 0;
        } else if (c == 0 || c >= 0x80 || ++col > max_line) {
            return text_encoding::quoted_printable;
        }
        last = ch;
    }
    return last == ' ' || last == '\t' ? text_encoding::quoted_printable : text_encoding::seven_bit;
}

void append_crlf_text(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\r\n";
        } else {
            out += c;
        }
    }
}

// Encoded lines hold at most 75 characters plus the '=' of a soft break
// (RFC 2045 §6.7 rule 5: 76). Whitespace at the end of a line is encoded,
// because transports may strip it (rule 3).
void append_quoted_printable(std::string& out, std::string_view text) {
    std::size_t col = 0;
    auto room = [&](std::size_t n) {
        if (col + n > 75) {
            out += "=\r\n";
            col = 0;
        }
        col += n;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\r\n";
            col = 0;
            continue;
        }
        const bool at_eol = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
        const bool literal =
            (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        if (literal) {
            room(1);
            out += static_cast<char>(c);
        } else {
            room(3);
            append_hex(out, c);
        }
    }
}

// ---- RFC 2047 encoded-words ---------------------------------------------

std::vector<std::string> encode_words(std::string_view text, std::size_t first_max) {
    std::size_t q_total = 0;
    for (unsigned char c : text)
        q_total += q_cost(c);
    const bool use_q = q_total <= (text.size() + 2) / 3 * 4;
    first_max = std::clamp<std::size_t>(first_max, 24, 75);

    std::vector<std::string> words;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t budget = (words.empty() ? first_max : 75) - k_word_overhead;
        // Take whole characters while the encoded payload fits; always at
        // least one, so every word makes progress.
        std::size_t end = start, cost = 0;
        while (end < text.size()) {
            const auto n =
                std::min(utf8_length(static_cast<unsigned char>(text[end])), text.size() - end);
            std::size_t next = 0;
            if (use_q) {
                for (std::size_t k = 0; k < n; ++k)
                    next += q_cost(static_cast<unsigned char>(text[end + k]));
                next += cost;
            } else {
                next = (end + n - start + 2) / 3 * 4;
            }
            if (next > budget && end > start) break;
            cost = next;
            end += n;
        }
        std::string w = use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?";
        const auto chunk = text.substr(start, end - start);
        use_q ? append_q(w, chunk) : append_b(w, chunk);
        w += "?=";
        words.push_back(std::move(w));
        start = end;
    }
    return words;
}

}  // namespace herald::mime
