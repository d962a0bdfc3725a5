// The per-tenant settings of email delivery, one row each (see
// core/tenant_setting.hpp); read by the smtp transport, not by the Redis
// functions.
#pragma once

#include "core/tenant_setting.hpp"

#include <array>

namespace herald::smtp {

inline constexpr std::array<std::string_view, 2> k_unknown_outcomes{"delivered", "deferred"};

inline constexpr std::array k_settings{
    tenant_setting{"smtp.unknown_outcome", 0, 0, false,
                   "no answer after the final dot: delivered (never resend) | deferred",
                   k_unknown_outcomes, nullptr, true},
};

inline std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::smtp
