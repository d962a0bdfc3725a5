// The per-tenant settings of the dedupe and breaker guards: their names as
// the admission function reads them, their bounds, and the defaults the
// config file gives them. herald publishes the defaults into every shard's
// meta hash at start-up; `herald tenant set` writes a tenant's own value.
#pragma once

#include "core/config.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::dedupe {

struct setting_spec {
    std::string_view name;
    std::uint64_t min = 0, max = 0;  // for numbers
    bool is_list = false;            // comma-separated names instead of a number
    std::string_view help;
};

std::span<const setting_spec> settings();

// name -> value for every setting, from the config's defaults.
std::vector<std::pair<std::string, std::string>> defaults(const config& c);

}  // namespace herald::dedupe
