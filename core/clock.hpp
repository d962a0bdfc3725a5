// Time as herald sees it. Everything that decides on time (backoff, max
// age, leases, windows) reads a `clock`, so tests can move time instead of
// sleeping. Milliseconds since the Unix epoch, UTC.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace herald {

using millis = std::int64_t;

// Milliseconds since the epoch as RFC 3339 UTC ("2026-11-29T08:13:08.123Z").
inline std::string rfc3339(millis ms) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[48];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

class clock {
public:
    virtual ~clock() = default;
    virtual millis now_ms() const = 0;
};

class wall_clock final : public clock {
public:
    millis now_ms() const override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// Starts at a given instant and moves only when told to. Thread-safe.
class test_clock final : public clock {
public:
    explicit test_clock(millis start) : now_(start) {}
    millis now_ms() const override { return now_.load(); }
    void advance(millis d) { now_ += d; }
    void set(millis t) { now_ = t; }

private:
    std::atomic<millis> now_;
};

}  // namespace herald
