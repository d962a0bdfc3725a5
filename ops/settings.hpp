// The per-tenant settings of ops visibility (see core/tenant_setting.hpp).
//   events.messages  1: every transition of the tenant's messages is an event
//                    (queue/lua/events.lua); 0: only the guards' events
#pragma once

#include "core/tenant_setting.hpp"

#include <array>
#include <span>

namespace herald::ops {

// clang-format off
inline constexpr std::array k_settings{
    tenant_setting{"events.messages", 0, 1, false,
                   "1: an event per transition of each message (0: guard events only)", {},
                   [](const config& c) -> std::uint64_t { return c.events.messages; }},
};
// clang-format on

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::ops
