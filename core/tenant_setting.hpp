// A per-tenant setting: its name, its bounds, what it means, and its
// default from the config file. Each guard folder lists its own in one
// table (dedupe/settings.hpp, ratelimit/settings.hpp, smtp/settings.hpp):
// one row is the whole of a setting on the C++ side. herald publishes the
// defaults into every shard's meta hash; `herald tenant set` checks values
// against the bounds; app/schema_gen writes the names into the Lua
// library's schema, whose readers refuse a name that is not there.
#pragma once

#include "core/config.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald {

struct tenant_setting {
    std::string_view name;
    std::uint64_t min = 0, max = 0;  // for numbers; a list's max: its entries (0: no cap)
    bool is_list = false;            // comma-separated names instead of a number
    std::string_view help;
    std::span<const std::string_view> choices = {};  // a word from this list instead
    // The default from the config; null: none is published (off unless set).
    std::uint64_t (*from_config)(const config&) = nullptr;
    // Read by C++ (the transport), not by the Redis functions.
    bool read_in_cpp = false;
    // A list's entry: why it is refused, or null when it is fine.
    const char* (*bad_entry)(std::string_view) = nullptr;
};

// name -> value of every row with a config default.
inline std::vector<std::pair<std::string, std::string>> published_defaults(
    std::span<const tenant_setting> rows, const config& c) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : rows)
        if (r.from_config) out.emplace_back(std::string(r.name), std::to_string(r.from_config(c)));
    return out;
}

}  // namespace herald
