#include "dedupe/settings.hpp"

#include <array>

namespace herald::dedupe {
namespace {

constexpr std::uint64_t day_ms = 86'400'000;

constexpr std::array k_settings{
    tenant_setting{"dedupe.window_ms", 0, 7 * day_ms, false, "dedupe window (0 = off)"},
    tenant_setting{"dedupe.window_ms.email", 0, 7 * day_ms, false, "window for email only"},
    tenant_setting{"dedupe.window_ms.sms", 0, 7 * day_ms, false, "window for SMS only"},
    tenant_setting{"dedupe.fields", 0, 0, true, "metadata keys that make messages differ"},
    tenant_setting{"idempotency.ttl_ms", 1000, 30 * day_ms, false, "how long keys are remembered"},
    tenant_setting{"breaker.content.max", 1, 1'000'000, false, "repeats of one message per window"},
    tenant_setting{"breaker.content.window_ms", 1000, 7 * day_ms, false, ""},
    tenant_setting{"breaker.recipient.max", 1, 1'000'000, false, "messages to one recipient"},
    tenant_setting{"breaker.recipient.window_ms", 1000, 7 * day_ms, false, ""},
    tenant_setting{"breaker.rate.factor", 1, 1000, false, "x the tenant's baseline rate"},
    tenant_setting{"breaker.rate.floor_per_min", 1, 100'000'000, false, "never trips below"},
    tenant_setting{"breaker.rate.baseline_min", 1, 10'080, false, "baseline span in minutes"},
    tenant_setting{"breaker.cooloff_ms", 1000, day_ms, false, "open time before half-open"},
    tenant_setting{"breaker.halfopen_interval_ms", 1, day_ms, false, "half-open trickle"},
};

}  // namespace

std::span<const tenant_setting> settings() {
    return k_settings;
}

std::vector<std::pair<std::string, std::string>> defaults(const config& c) {
    const auto& d = c.dedupe;
    const auto& b = c.breaker;
    auto n = [](std::uint64_t v) { return std::to_string(v); };
    return {
        {"dedupe.window_ms", n(d.window_ms)},
        {"idempotency.ttl_ms", n(d.idempotency_ttl_s * 1000)},
        {"breaker.content.max", n(b.content_max)},
        {"breaker.content.window_ms", n(b.content_window_s * 1000)},
        {"breaker.recipient.max", n(b.recipient_max)},
        {"breaker.recipient.window_ms", n(b.recipient_window_s * 1000)},
        {"breaker.rate.factor", n(b.rate_factor)},
        {"breaker.rate.floor_per_min", n(b.rate_floor_per_min)},
        {"breaker.rate.baseline_min", n(b.rate_baseline_min)},
        {"breaker.cooloff_ms", n(b.cooloff_s * 1000)},
        {"breaker.halfopen_interval_ms", n(b.halfopen_interval_s * 1000)},
    };
}

}  // namespace herald::dedupe
