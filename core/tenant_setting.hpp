// A per-tenant setting that a guard reads in Redis: its name, its bounds,
// what it means. Each guard folder lists its own (dedupe/settings.hpp,
// ratelimit/settings.hpp); `herald tenant set` checks values against them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace herald {

struct tenant_setting {
    std::string_view name;
    std::uint64_t min = 0, max = 0;  // for numbers
    bool is_list = false;            // comma-separated names instead of a number
    std::string_view help;
    std::span<const std::string_view> choices = {};  // a word from this list instead
};

}  // namespace herald
