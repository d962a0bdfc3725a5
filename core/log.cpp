#include "core/log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

namespace herald::log {
namespace {

// A longer value is almost always a payload logged by mistake; a bounded
// line also stays one atomic write on a pipe.
constexpr std::size_t k_max_value = 4096;
constexpr std::string_view k_ellipsis = "\xE2\x80\xA6";     // …
constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD

constinit std::atomic<bool> g_json{false};

struct sink_state {
    std::mutex mu;
    std::function<void(std::string_view)> sink;  // empty: stderr
};

// A function-local static, so logging from other static constructors works.
sink_state& state() {
    static sink_state s;
    return s;
}

// ---------------------------------------------------------------------------
// Values: valid UTF-8, bounded.

// Length of the well-formed UTF-8 sequence at s[i], or 0 if it is not one
// (overlong forms and surrogates included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::array<std::uint32_t, 5> k_min{0, 0, 0x80, 0x800, 0x10000};
    if (cp < k_min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

std::string clean(std::string_view v) {
    std::string out;
    out.reserve(std::min(v.size(), k_max_value));
    for (std::size_t i = 0; i < v.size();) {
        const std::size_t n = utf8_length(v, i);
        const std::string_view piece = n ? v.substr(i, n) : k_replacement;
        if (out.size() + piece.size() > k_max_value) {
            out += k_ellipsis;
            break;
        }
        out += piece;
        i += n ? n : 1;
    }
    return out;
}

bool is_secret_key(std::string_view key) {
    std::string k(key);
    for (auto& ch : k)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (std::string_view word : {"password", "secret", "token", "authorization"})
        if (k.find(word) != std::string::npos) return true;
    return k.ends_with("_key") && k != "idempotency_key";
}

// ---------------------------------------------------------------------------
// Formats.

std::string timestamp() {
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now());
    const std::time_t secs = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const auto ms = static_cast<int>((now.time_since_epoch() % seconds(1)).count());
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf, n);
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
    return out;
}

// Keys come from code, but a stray space or '=' must not break parsing.
void append_key(std::string& out, std::string_view key) {
    if (key.empty()) out += '_';
    for (const char ch : key) {
        const bool ok =
            std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-';
        out += ok ? ch : '_';
    }
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (const char ch : v) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == ' ' || ch == '"' || ch == '=' || ch == '\\' || u < 0x20 || u == 0x7f) return true;
    }
    return false;
}

void append_kv_value(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
        out += v;
        return;
    }
    out += '"';
    for (const char ch : v) {
        const auto u = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    static constexpr char hex[] = "0123456789abcdef";
                    out += "\\x";
                    out += hex[u >> 4];
                    out += hex[u & 0xf];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void append_kv(std::string& out, std::string_view key, std::string_view value) {
    out += ' ';
    append_key(out, key);
    out += '=';
    append_kv_value(out, clean(value));
}

void append_json(std::string& out, std::string_view key, std::string_view value, field::kind type) {
    std::string k;
    append_key(k, key);
    out += ',';
    out += boost::json::serialize(boost::json::string_view(k));
    out += ':';
    if (type == field::kind::text)
        out += boost::json::serialize(boost::json::string_view(clean(value)));
    else
        out += value;  // built by field's constructors: a valid JSON number or literal
}

// Avoids `"literal" + std::string` chains, which trip GCC 12's false
// -Wrestrict error at -O2.
void append(std::string& out, std::initializer_list<std::string_view> parts) {
    for (const auto p : parts)
        out += p;
}

std::string format(level l, std::string_view event, std::initializer_list<field> fields,
                   bool json) {
    const auto ts = timestamp();
    std::string out;
    out.reserve(128);
    if (json) {
        append(out, {"{\"ts\":\"", ts, "\",\"level\":\"", name(l), "\""});
        append_json(out, "event", event, field::kind::text);
    } else {
        append(out, {"ts=", ts, " level=", name(l)});
        append_kv(out, "event", event);
    }
    for (const auto& f : fields) {
        const bool hide = is_secret_key(f.key);
        const std::string_view value = hide ? "***" : std::string_view(f.value);
        const auto type = hide ? field::kind::text : f.type;
        if (json)
            append_json(out, f.key, value, type);
        else
            append_kv(out, f.key, value);
    }
    if (json) out += '}';
    out += '\n';
    return out;
}

void write_stderr(std::string_view line) {
    while (!line.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere left to report a broken stderr
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

field::field(std::string_view k, double v) : key(k) {
    if (!std::isfinite(v)) {
        value = std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
        return;
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    value.assign(buf, ec == std::errc{} ? end : buf);
    type = kind::number;
}

void configure(level min, bool json) {
    detail::min_level.store(static_cast<int>(min), std::memory_order_relaxed);
    g_json.store(json, std::memory_order_relaxed);
}

void set_sink(std::function<void(std::string_view line)> sink) {
    auto& s = state();
    std::lock_guard lock(s.mu);
    s.sink = std::move(sink);
}

void write(level l, std::string_view event, std::initializer_list<field> fields) {
    if (!enabled(l)) return;
    const std::string line = format(l, event, fields, g_json.load(std::memory_order_relaxed));
    auto& s = state();
    std::lock_guard lock(s.mu);
    if (s.sink)
        s.sink(std::string_view(line).substr(0, line.size() - 1));
    else
        write_stderr(line);
}

std::optional<level> parse_level(std::string_view s) {
    for (const level l : {level::debug, level::info, level::warn, level::error})
        if (name(l) == s) return l;
    return std::nullopt;
}

std::string_view name(level l) {
    switch (l) {
        case level::debug:
            return "debug";
        case level::info:
            return "info";
        case level::warn:
            return "warn";
        case level::error:
            return "error";
    }
    return "unknown";
}

}  // namespace herald::log
