// Structured logging: one line per event, `kv` (logfmt-like) or `json`
// (one object per line), to stderr unless a sink is set (tests capture
// lines into a string).
//
// Contract: never throws on bad input and never splits an event over two
// lines: control characters are escaped, invalid UTF-8 becomes U+FFFD.
// Secrets are never printed: a `secret` value, or any field whose key
// contains "password", "secret", "token" or "authorization", or ends with
// "_key" (except "idempotency_key"), prints as "***". Each line reaches
// the sink whole, under one lock, so threads never interleave.
//
// Limits: each value (and the event name) is cut to 4096 bytes, marked with
// "…". configure() and set_sink() are meant for start-up and tests; a
// disabled level costs one relaxed atomic load (plus building the fields
// at the call site).
#pragma once

#include <atomic>
#include <concepts>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace herald::log {

enum class level { debug, info, warn, error };

// Wraps a value that must never appear in a log line.
struct secret {
    std::string_view value;
};

struct field {
    // How the value is written in json (kv writes every value the same way).
    enum class kind { text, number, boolean };

    std::string_view key;
    std::string value;
    kind type = kind::text;

    field(std::string_view k, std::string_view v) : key(k), value(v) {}
    field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
    field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
    template <std::integral T>
    requires(!std::same_as<T, bool>) field(std::string_view k, T v)
        : key(k), value(std::to_string(v)), type(kind::number) {}
    field(std::string_view k, double v);  // non-finite values are written as text
    field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), type(kind::boolean) {}
    field(std::string_view k, secret) : key(k), value("***") {}
};

namespace detail {
inline constinit std::atomic<int> min_level{static_cast<int>(level::info)};
}

// Process-wide; call once at start-up. The default is info, kv.
void configure(level min, bool json);

// Receives each line without its newline. An empty function restores the
// default, which writes line + "\n" to stderr with one write() call.
void set_sink(std::function<void(std::string_view line)> sink);

inline bool enabled(level l) {
    return static_cast<int>(l) >= detail::min_level.load(std::memory_order_relaxed);
}

void write(level l, std::string_view event, std::initializer_list<field> fields);

inline void debug(std::string_view event, std::initializer_list<field> f = {}) {
    if (enabled(level::debug)) write(level::debug, event, f);
}
inline void info(std::string_view event, std::initializer_list<field> f = {}) {
    if (enabled(level::info)) write(level::info, event, f);
}
inline void warn(std::string_view event, std::initializer_list<field> f = {}) {
    if (enabled(level::warn)) write(level::warn, event, f);
}
inline void error(std::string_view event, std::initializer_list<field> f = {}) {
    if (enabled(level::error)) write(level::error, event, f);
}

// "debug", "info", "warn", "error"; anything else is nullopt.
std::optional<level> parse_level(std::string_view s);
std::string_view name(level l);

}  // namespace herald::log
