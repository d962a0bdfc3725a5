// The admin key of `herald up`'s own local stack when the config names
// none (api.admin_key, HERALD_API_ADMIN_KEY): 256 random bits in base64url,
// kept in <local.data_dir>/admin-api-key (mode 0600) and reused on the next
// start, so the dashboard works on a fresh machine. A shared Redis never
// gets one: its admin keys are for ops to configure.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"

#include <string>

namespace herald::app {

// The kept key, or a fresh one written to the file; an error when the
// file cannot be written or the random generator fails.
result<std::string> local_admin_key(const config& cfg);

}  // namespace herald::app
