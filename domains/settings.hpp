// The per-tenant settings of the sender-domain guard (domains/lua/
// sender_domain.lua), one row each, like ratelimit/settings.hpp: the name
// the Redis functions read, bounds, and the config's default (published
// into every shard's meta at start-up).
//
// domains.sandbox is a short list of recipient addresses, for onboarding:
// mail From a domain not yet verified is admitted when every recipient is
// on it. Entries are bare addresses (no display name, no comma or space),
// compared as admission normalises recipients (the domain lower-cased).
#pragma once

#include "core/tenant_setting.hpp"

#include <array>
#include <string_view>

namespace herald::domains {

// Addresses on a tenant's sandbox list: a handful for people testing,
// never a way around verification for real traffic.
inline constexpr std::uint64_t sandbox_max = 25;

// Why `a` cannot be a sandbox entry, or null.
inline const char* bad_sandbox_address(std::string_view a) {
    if (a.size() > 254) return "is longer than 254 octets";
    if (a.find_first_of("<>\"") != std::string_view::npos)
        return "must be a bare address (local@domain), without a display name or quotes";
    const auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size())
        return "must be an address (local@domain)";
    return nullptr;
}

// clang-format off
inline constexpr std::array k_settings{
    tenant_setting{"domains.require_verified", 0, 1, false,
                   "1: refuse mail From a domain not verified for the tenant", {},
                   [](const config& c) -> std::uint64_t { return c.domains.require_verified; }},
    // No config default: empty unless set.
    tenant_setting{"domains.sandbox", 0, sandbox_max, true,
                   "recipient addresses (comma-separated, at most 25) that mail From an "
                   "unverified domain may go to", {}, nullptr, false, bad_sandbox_address},
};
// clang-format on

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::domains
