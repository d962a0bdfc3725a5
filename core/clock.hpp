// Time as herald sees it. Everything that decides on time (backoff, max
// age, leases, windows) reads a `clock`, so tests can move time instead of
// sleeping. Milliseconds since the Unix epoch, UTC.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace herald {

using millis = std::int64_t;

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
