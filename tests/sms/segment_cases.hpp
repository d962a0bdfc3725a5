// The rows of tests/sms/segment_cases.tsv, read for the C++ count and for
// its Lua twin, so both are held to the same table.
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace herald::test {

struct segment_case {
    std::string text;      // the row's text with its escapes applied (UTF-8, or raw bytes)
    std::string escaped;   // as written, for messages
    std::string encoding;  // gsm7 | ucs2
    std::size_t units = 0;
    std::size_t segments = 0;
    std::string why;
    bool valid_utf8 = true;  // false when the row writes raw bytes (\xHH)
};

inline void append_utf8(std::string& out, char32_t cp) {
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

// \\ \n \r \f \t \uXXXX \UXXXXXXXX \xHH, and \*N: the previous character
// N times in all.
inline std::string unescape(const std::string& s, bool& raw) {
    std::string out, last;
    for (std::size_t i = 0; i < s.size();) {
        std::string unit;
        if (s[i] != '\\') {
            std::size_t len = 1;
            const auto b = static_cast<unsigned char>(s[i]);
            if (b >= 0xF0)
                len = 4;
            else if (b >= 0xE0)
                len = 3;
            else if (b >= 0xC0)
                len = 2;
            unit = s.substr(i, len);
            i += len;
        } else {
            const char e = s.at(i + 1);
            i += 2;
            auto hex = [&](std::size_t n) {
                const auto v = std::stoul(s.substr(i, n), nullptr, 16);
                i += n;
                return static_cast<char32_t>(v);
            };
            if (e == '*') {
                const auto end = s.find_first_not_of("0123456789", i);
                const auto n = std::stoul(s.substr(i, end - i));
                i = end == std::string::npos ? s.size() : end;
                for (std::size_t k = 1; k < n; ++k)
                    out += last;
                continue;
            }
            switch (e) {
                case '\\':
                    unit = "\\";
                    break;
                case 'n':
                    unit = "\n";
                    break;
                case 'r':
                    unit = "\r";
                    break;
                case 'f':
                    unit = "\f";
                    break;
                case 't':
                    unit = "\t";
                    break;
                case 'u':
                    append_utf8(unit, hex(4));
                    break;
                case 'U':
                    append_utf8(unit, hex(8));
                    break;
                case 'x':
                    unit = std::string(1, static_cast<char>(hex(2)));
                    raw = true;
                    break;
                default:
                    throw std::runtime_error("unknown escape \\" + std::string(1, e));
            }
        }
        out += unit;
        last = unit;
    }
    return out;
}

inline std::vector<segment_case> segment_cases() {
    std::ifstream in(HERALD_SEGMENT_CASES);
    if (!in) throw std::runtime_error("cannot read " HERALD_SEGMENT_CASES);
    std::vector<segment_case> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        for (std::size_t at = 0;;) {
            const auto tab = line.find('\t', at);
            cols.push_back(line.substr(at, tab - at));
            if (tab == std::string::npos) break;
            at = tab + 1;
        }
        if (cols.size() != 5) throw std::runtime_error("a row needs 5 columns: " + line);
        segment_case c;
        bool raw = false;
        c.text = unescape(cols[0], raw);
        c.valid_utf8 = !raw;
        c.escaped = cols[0];
        c.encoding = cols[1];
        c.units = std::stoul(cols[2]);
        c.segments = std::stoul(cols[3]);
        c.why = cols[4];
        rows.push_back(std::move(c));
    }
    return rows;
}

}  // namespace herald::test
