// The API's share of `herald up`.
#pragma once

#include "core/config.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace herald::app {

// The local stack's demo tenant and a key for it: the key kept in
// <local.data_dir>/demo-api-key while it still works, else a new one
// written there (mode 0600). Nothing when Redis refuses.
std::optional<std::string> demo_key(const config& cfg);

// "http://host:port" for clients of api.listen bound to `port`.
std::string api_url(const config& cfg, std::uint16_t port);

}  // namespace herald::app
