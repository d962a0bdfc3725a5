// The per-tenant settings of the rate limits, volume quotas and storage
// quotas, one row each: the name the Redis functions read, bounds, and the
// config's default (published into every shard's meta at start-up).
#pragma once

#include "core/tenant_setting.hpp"

#include <array>

namespace herald::ratelimit {

inline constexpr std::uint64_t big = 1'000'000'000'000;

// clang-format off
inline constexpr std::array k_settings{
    tenant_setting{"rate.email.per_sec", 0, 1'000'000, false, "email sends per second (0 = no limit)", {},
                   [](const config& c) -> std::uint64_t { return c.limits.email_per_sec; }},
    tenant_setting{"rate.email.burst", 0, 1'000'000, false, "sends beyond the steady rate", {},
                   [](const config& c) -> std::uint64_t { return c.limits.email_burst; }},
    tenant_setting{"rate.sms.per_sec", 0, 1'000'000, false, "SMS sends per second", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_per_sec; }},
    tenant_setting{"rate.sms.burst", 0, 1'000'000, false, "", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_burst; }},
    tenant_setting{"rate.sms_sender.per_sec", 0, 1'000'000, false, "segments per second per sender", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_sender_per_sec; }},
    tenant_setting{"rate.sms_sender.burst", 0, 1'000'000, false, "", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_sender_burst; }},
    tenant_setting{"quota.email.day", 0, big, false, "emails per UTC day (0 = no quota)", {},
                   [](const config& c) -> std::uint64_t { return c.limits.email_per_day; }},
    tenant_setting{"quota.email.month", 0, big, false, "emails per UTC month", {},
                   [](const config& c) -> std::uint64_t { return c.limits.email_per_month; }},
    tenant_setting{"quota.sms.day", 0, big, false, "SMS segments per UTC day", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_per_day; }},
    tenant_setting{"quota.sms.month", 0, big, false, "SMS segments per UTC month", {},
                   [](const config& c) -> std::uint64_t { return c.limits.sms_per_month; }},
    tenant_setting{"storage.max_bytes", 0, big, false,
                   "bytes queued at once (payloads + 128 per message)", {},
                   [](const config& c) -> std::uint64_t { return c.limits.queued_bytes; }},
    tenant_setting{"storage.max_messages", 0, big, false, "messages queued at once", {},
                   [](const config& c) -> std::uint64_t { return c.limits.queued_messages; }},
    // A send gate (ratelimit/lua/pause.lua); no config default: off unless set.
    tenant_setting{"send.paused", 0, 1, false,
                   "1: hold the tenant's queued messages (admission goes on)", {}, nullptr},
};
// clang-format on

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::ratelimit
