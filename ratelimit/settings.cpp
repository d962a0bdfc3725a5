#include "ratelimit/settings.hpp"

#include <array>

namespace herald::ratelimit {
namespace {

constexpr std::uint64_t big = 1'000'000'000'000;

constexpr std::array k_settings{
    tenant_setting{"rate.email.per_sec", 0, 1'000'000, false,
                   "email sends per second (0 = no limit)"},
    tenant_setting{"rate.email.burst", 0, 1'000'000, false, "sends beyond the steady rate"},
    tenant_setting{"rate.sms.per_sec", 0, 1'000'000, false, "SMS sends per second"},
    tenant_setting{"rate.sms.burst", 0, 1'000'000, false, ""},
    tenant_setting{"rate.sms_sender.per_sec", 0, 1'000'000, false,
                   "segments per second per sender"},
    tenant_setting{"rate.sms_sender.burst", 0, 1'000'000, false, ""},
    tenant_setting{"quota.email.day", 0, big, false, "emails per UTC day (0 = no quota)"},
    tenant_setting{"quota.email.month", 0, big, false, "emails per UTC month"},
    tenant_setting{"quota.sms.day", 0, big, false, "SMS segments per UTC day"},
    tenant_setting{"quota.sms.month", 0, big, false, "SMS segments per UTC month"},
    tenant_setting{"storage.max_bytes", 0, big, false, "payload bytes queued at once"},
    tenant_setting{"storage.max_messages", 0, big, false, "messages queued at once"},
};

}  // namespace

std::span<const tenant_setting> settings() {
    return k_settings;
}

std::vector<std::pair<std::string, std::string>> defaults(const config& c) {
    const auto& l = c.limits;
    auto n = [](std::uint64_t v) { return std::to_string(v); };
    return {
        {"rate.email.per_sec", n(l.email_per_sec)},
        {"rate.email.burst", n(l.email_burst)},
        {"rate.sms.per_sec", n(l.sms_per_sec)},
        {"rate.sms.burst", n(l.sms_burst)},
        {"rate.sms_sender.per_sec", n(l.sms_sender_per_sec)},
        {"rate.sms_sender.burst", n(l.sms_sender_burst)},
        {"quota.email.day", n(l.email_per_day)},
        {"quota.email.month", n(l.email_per_month)},
        {"quota.sms.day", n(l.sms_per_day)},
        {"quota.sms.month", n(l.sms_per_month)},
        {"storage.max_bytes", n(l.queued_bytes)},
        {"storage.max_messages", n(l.queued_messages)},
    };
}

}  // namespace herald::ratelimit
