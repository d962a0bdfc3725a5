// Retry delays: exponential backoff with full jitter (uniform between 0
// and min(cap, base * 2^(attempt-1))), so a fleet of messages that failed
// together does not come back together.
#pragma once

#include "core/clock.hpp"

#include <algorithm>
#include <random>

namespace herald::queue {

// The ceiling of the delay before attempt `attempt` (1 = first retry).
inline millis backoff_ceiling(int attempt, millis base, millis cap) {
    millis c = base;
    for (int i = 1; i < attempt && c < cap; ++i)
        c *= 2;
    return std::min(c, cap);
}

template <class Rng>
millis backoff_delay(int attempt, millis base, millis cap, Rng& rng) {
    std::uniform_int_distribution<millis> d(0, backoff_ceiling(attempt, base, cap));
    return d(rng);
}

}  // namespace herald::queue
