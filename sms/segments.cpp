#include "sms/segments.hpp"

#include <array>
#include <cstdint>

namespace herald::sms {
namespace {

// ---- the GSM 03.38 alphabet -----------------------------------------------------
// Septets per code point: 1 in the default alphabet, 2 in the extension
// table (an escape and the character), 0 outside both. Every code point of
// either table but € is below U+0400, so one table of 1 KB answers all.
constexpr char32_t k_table_end = 0x400;
constexpr char32_t k_euro = 0x20AC;

// The default alphabet's code points beyond ASCII (3GPP TS 23.038 6.2.1),
// and the ASCII it lacks: ` and the extension table's characters.
constexpr char32_t k_gsm_latin_greek[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0};
// The extension table (6.2.1.1) but €, which sits above the table.
constexpr char32_t k_gsm_extension[] = {0x0C, '^', '{', '}', '\\', '[', '~', ']', '|'};

constexpr std::array<std::uint8_t, k_table_end> make_costs() {
    std::array<std::uint8_t, k_table_end> t{};
    t['\n'] = t['\r'] = 1;
    for (char32_t c = 0x20; c < 0x7F; ++c)
        t[c] = 1;
    t['`'] = 0;
    for (char32_t c : k_gsm_latin_greek)
        t[c] = 1;
    for (char32_t c : k_gsm_extension)
        t[c] = 2;
    return t;
}
constexpr auto k_costs = make_costs();

constexpr std::uint8_t septets_of(char32_t c) {
    if (c < k_table_end) return k_costs[c];
    return c == k_euro ? 2 : 0;
}

// ---- UTF-8 ----------------------------------------------------------------------
// One code point and its length in bytes; an invalid or cut sequence is
// U+FFFD for its first byte only, the rule units.lua follows too.
struct decoded {
    char32_t cp;
    std::size_t len;
};
constexpr char32_t k_replacement = 0xFFFD;

bool continuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

decoded next_code_point(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return {b0, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range (no overlongs, no surrogates)
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, cp = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, cp = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return {k_replacement, 1};
    }
    if (i + len > s.size()) return {k_replacement, 1};
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return {k_replacement, 1};
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (!continuation(b)) return {k_replacement, 1};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, len};
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// ---- parts ----------------------------------------------------------------------
constexpr std::size_t k_gsm_single = 160, k_gsm_part = 153;
constexpr std::size_t k_ucs_single = 70, k_ucs_part = 67;

// Greedy filling of concatenated parts: a character that does not fit
// whole (an escape pair, a surrogate pair) opens the next part.
struct packer {
    std::size_t capacity;
    std::size_t parts = 1, fill = 0;

    // Whether `cost` opened a new part.
    bool add(std::size_t cost) {
        if (fill + cost > capacity) {
            ++parts;
            fill = cost;
            return true;
        }
        fill += cost;
        return false;
    }
};

std::size_t utf16_units(char32_t cp) {
    return cp >= 0x10000 ? 2 : 1;
}

}  // namespace

std::string_view to_string(sms_encoding e) noexcept {
    switch (e) {
        case sms_encoding::gsm7:
            return "gsm7";
        case sms_encoding::ucs2:
            return "ucs2";
    }
    return "?";
}

// One pass packs both ways at once: whether the text is GSM-7 is known
// only at its end.
segment_count count_segments(std::string_view text) {
    packer gsm{k_gsm_part}, ucs{k_ucs_part};
    std::size_t septets = 0, units = 0;
    bool is_gsm = true;
    for (std::size_t i = 0; i < text.size();) {
        const auto d = next_code_point(text, i);
        i += d.len;
        const std::size_t u = utf16_units(d.cp);
        units += u;
        ucs.add(u);
        if (!is_gsm) continue;
        const std::size_t s = septets_of(d.cp);
        if (s == 0) {
            is_gsm = false;
            continue;
        }
        septets += s;
        gsm.add(s);
    }
    if (is_gsm) return {sms_encoding::gsm7, septets, septets <= k_gsm_single ? 1 : gsm.parts};
    return {sms_encoding::ucs2, units, units <= k_ucs_single ? 1 : ucs.parts};
}

std::vector<std::string> split_segments(std::string_view text) {
    const auto count = count_segments(text);
    if (count.segments == 1) {
        // Invalid bytes are sent as U+FFFD, as they are counted.
        std::string whole;
        for (std::size_t i = 0; i < text.size();) {
            const auto d = next_code_point(text, i);
            i += d.len;
            append_utf8(whole, d.cp);
        }
        return {std::move(whole)};
    }
    const bool gsm = count.encoding == sms_encoding::gsm7;
    packer p{gsm ? k_gsm_part : k_ucs_part};
    std::vector<std::string> parts(1);
    parts.reserve(count.segments);
    for (std::size_t i = 0; i < text.size();) {
        const auto d = next_code_point(text, i);
        i += d.len;
        if (p.add(gsm ? septets_of(d.cp) : utf16_units(d.cp))) parts.emplace_back();
        append_utf8(parts.back(), d.cp);
    }
    return parts;
}

}  // namespace herald::sms
