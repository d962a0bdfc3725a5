#include "mime/header.hpp"

#include "mime/encode.hpp"
#include "mime/errors.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

namespace herald::mime {
namespace {

bool is_wsp(char c) noexcept {
    return c == ' ' || c == '\t';
}

// Where a fold may go: before the last whitespace of a run, so no line is
// whitespace only and no run is split from the word it precedes. Never
// right after the colon.
std::vector<std::size_t> fold_points(std::string_view text, std::size_t first) {
    std::vector<std::size_t> points;
    for (std::size_t i = first; i + 1 < text.size(); ++i)
        if (is_wsp(text[i]) && !is_wsp(text[i + 1])) points.push_back(i);
    return points;
}

}  // namespace

result<void> check_header_text(std::string_view value, std::string_view what) {
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n')
            return make_error(mime_errc::header_injection,
                              std::string(what) + " contains CR or LF");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return make_error(mime_errc::invalid_header,
                              std::string(what) + " contains a control character");
    }
    if (!is_valid_utf8(value))
        return make_error(mime_errc::invalid_header, std::string(what) + " is not valid UTF-8");
    return {};
}

result<void> append_field(std::string& out, std::string_view name, std::string_view value) {
    std::string text(name);
    text += ':';
    if (!value.empty()) {
        text += ' ';
        text += value;
    }
    std::size_t line = 0, from = 0;
    auto emit = [&](std::size_t to) -> result<void> {
        if (line + (to - from) > k_fold_at && line > 0) {
            out += "\r\n";
            line = 0;
        }
        line += to - from;
        if (line > k_max_line)
            return make_error(mime_errc::invalid_header,
                              "header " + std::string(name) + " has a word too long to fold");
        out.append(text, from, to - from);
        from = to;
        return {};
    };
    for (auto p : fold_points(text, name.size() + 2))
        if (auto r = emit(p); !r) return r;
    if (auto r = emit(text.size()); !r) return r;
    out += "\r\n";
    return {};
}

std::string unstructured_value(std::string_view name, std::string_view value) {
    if (is_ascii(value) && value.find("=?") == std::string_view::npos) return std::string(value);
    const auto first = k_fold_at > name.size() + 2 ? k_fold_at - name.size() - 2 : 0;
    std::string out;
    for (const auto& w : encode_words(value, first)) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

std::string rfc5322_date(millis ms) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", k_days[tm.tm_wday],
                  tm.tm_mday, k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

}  // namespace herald::mime
