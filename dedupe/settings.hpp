// The per-tenant settings of the dedupe and breaker guards, one row each:
// the name the admission function reads, bounds, and the config's default
// (published into every shard's meta hash at start-up; `herald tenant
// set` writes a tenant's own value).
#pragma once

#include "core/tenant_setting.hpp"

#include <array>

namespace herald::dedupe {

inline constexpr std::uint64_t day_ms = 86'400'000;

// clang-format off
inline constexpr std::array k_settings{
    tenant_setting{"dedupe.window_ms", 0, 7 * day_ms, false, "dedupe window (0 = off)", {},
                   [](const config& c) -> std::uint64_t { return c.dedupe.window_ms; }},
    tenant_setting{"dedupe.window_ms.email", 0, 7 * day_ms, false, "window for email only"},
    tenant_setting{"dedupe.window_ms.sms", 0, 7 * day_ms, false, "window for SMS only"},
    tenant_setting{"dedupe.fields", 0, 0, true, "metadata keys that make messages differ"},
    tenant_setting{"idempotency.ttl_ms", 1000, 30 * day_ms, false, "how long keys are remembered", {},
                   [](const config& c) -> std::uint64_t { return c.dedupe.idempotency_ttl_s * 1000; }},
    tenant_setting{"breaker.content.max", 1, 1'000'000, false, "repeats of one message per window", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.content_max; }},
    tenant_setting{"breaker.content.window_ms", 1000, 7 * day_ms, false, "", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.content_window_s * 1000; }},
    tenant_setting{"breaker.recipient.max", 1, 1'000'000, false, "messages to one recipient", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.recipient_max; }},
    tenant_setting{"breaker.recipient.window_ms", 1000, 7 * day_ms, false, "", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.recipient_window_s * 1000; }},
    tenant_setting{"breaker.rate.factor", 1, 1000, false, "x the tenant's baseline rate", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.rate_factor; }},
    tenant_setting{"breaker.rate.floor_per_min", 1, 100'000'000, false, "never trips below", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.rate_floor_per_min; }},
    tenant_setting{"breaker.rate.baseline_min", 1, 10'080, false, "baseline span in minutes", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.rate_baseline_min; }},
    tenant_setting{"breaker.cooloff_ms", 1000, day_ms, false, "open time before half-open", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.cooloff_s * 1000; }},
    tenant_setting{"breaker.halfopen_interval_ms", 1, day_ms, false, "half-open trickle", {},
                   [](const config& c) -> std::uint64_t { return c.breaker.halfopen_interval_s * 1000; }},
};
// clang-format on

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::dedupe
