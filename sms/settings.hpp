// The per-tenant settings of SMS (see core/tenant_setting.hpp).
//   sms.providers       the tenant's providers, in failover order (read by the sms transport)
//   sms.default_region  the region of national numbers (read at the doors)
//   sms.max_segments    longer texts are refused at admission (units.lua)
#pragma once

#include "core/tenant_setting.hpp"

#include <array>
#include <string_view>

namespace herald::sms {

// Why `name` cannot be a provider name, or null (whether the config has
// such a provider is the transport's check: configs differ between processes).
inline const char* bad_provider_name(std::string_view n) {
    if (n.empty() || n.size() > 32) return "must be 1-32 characters";
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return "must be of a-z, 0-9, '_' and '-'";
    return nullptr;
}

// An ISO 3166 alpha-2 code; whether libphonenumber knows it is checked where
// it is used.
inline const char* bad_region(std::string_view r) {
    if (r.size() != 2 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z')
        return "must be an ISO 3166 region of two capital letters (US, GB, ...)";
    return nullptr;
}

// clang-format off
inline constexpr std::array k_settings{
    tenant_setting{"sms.providers", 0, 8, true,
                   "the tenant's SMS providers by name, in failover order (else sms.providers_default)",
                   {}, nullptr, true, bad_provider_name},
    tenant_setting{"sms.default_region", 0, 1, true,
                   "the region of national numbers, e.g. US (else sms.default_region)",
                   {}, nullptr, true, bad_region},
    tenant_setting{"sms.max_segments", 1, 255, false, "SMS bodies longer than this are refused",
                   {}, [](const config& c) -> std::uint64_t { return c.sms.max_segments; }},
};
// clang-format on

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::sms
