// The per-tenant settings of the rate limits, volume quotas and storage
// quotas: names as the Redis functions read them, bounds, and the config's
// defaults (published into every shard's meta at start-up).
#pragma once

#include "core/config.hpp"
#include "core/tenant_setting.hpp"

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace herald::ratelimit {

std::span<const tenant_setting> settings();
std::vector<std::pair<std::string, std::string>> defaults(const config& c);

}  // namespace herald::ratelimit
