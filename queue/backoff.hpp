// Retry delays: exponential backoff with "equal" jitter, uniform between
// half of and the whole of min(cap, base * 2^(attempt-1)), so a fleet of
// messages that failed together does not come back together, and no retry
// comes back at once (full jitter's zero would spend attempts in seconds).
//
// The defaults (queue.backoff_base_ms = 1 min, backoff_cap_ms = 4 h,
// max_age_s = 1 day) give retries after about 1, 2, 4, 8, 16, 32 minutes,
// 1, 2 and 4 hours, then every 4 hours: a short outage costs a minute or
// two, a long one is still covered for the day transactional mail stays
// useful (a login code or receipt older than that helps nobody, and the
// sender needs the bounce to act). Time ends a message (max_age_s);
// max_attempts (50) is only a safety cap above the 13-19 attempts a day
// holds.
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
    const millis ceiling = backoff_ceiling(attempt, base, cap);
    std::uniform_int_distribution<millis> d(ceiling - ceiling / 2, ceiling);
    return d(rng);
}

}  // namespace herald::queue
