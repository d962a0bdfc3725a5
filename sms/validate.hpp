// An SMS checked and normalised at every door (herald enqueue, the HTTP
// API) and again by the worker: `to` in E.164, `from` a checked sender id,
// so the dedupe hash, suppressions and rate limits all key the same form.
//
// The region of national numbers is the tenant's sms.default_region, else
// the config's; it is read from Redis (one HGET) only when a number needs
// it, i.e. `to` does not start with '+'.
//
// Errors: invalid_message naming the field (to, from), as
// sms/phone_number.hpp; unavailable when Redis cannot be asked.
#pragma once

#include "core/config.hpp"
#include "core/message.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace herald::sms {

// Whether normalize() needs a region for `m`: its `to` is not written
// with its country code.
bool needs_region(const sms_message& m);

// `m.to` to E.164 and `m.from` checked (E.164 for a number); an empty
// `from` stays empty: the provider sends from its own.
result<void> normalize(sms_message& m, std::string_view default_region);

// The tenant's sms.default_region, else `cfg.sms.default_region`.
boost::asio::awaitable<result<std::string>> default_region_of(redis::client& redis,
                                                              const config& cfg,
                                                              std::string_view tenant);

}  // namespace herald::sms
