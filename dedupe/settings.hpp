// The per-tenant settings of the dedupe and breaker guards: their names as
// the admission function reads them, their bounds, and the defaults the
// config file gives them. herald publishes the defaults into every shard's
// meta hash at start-up; `herald tenant set` writes a tenant's own value.
#pragma once

#include "core/config.hpp"
#include "core/tenant_setting.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::dedupe {

std::span<const tenant_setting> settings();

// name -> value for every setting, from the config's defaults.
std::vector<std::pair<std::string, std::string>> defaults(const config& c);

}  // namespace herald::dedupe
