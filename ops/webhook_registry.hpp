// Registering a webhook endpoint, as `herald webhook add` and
// POST /v1/webhooks do it: the URL checked (ops/webhook_target.hpp, DNS
// included), the event patterns parsed, a new id and secret made, and the
// endpoint stored within webhooks.max_endpoints.
//
// Errors: the target's and the filter's (field `url` or `events`),
// endpoint_limit, Redis failures.
#pragma once

#include "core/config.hpp"
#include "dns/resolver.hpp"
#include "ops/webhook_store.hpp"
#include "ops/webhook_target.hpp"

namespace herald::ops {

webhook_policy policy_of(const webhooks_config& c);

// The resolver webhook hosts are checked with: smtp.dns_servers (herald's
// outbound resolver), else the system's.
dns::resolver_options webhook_resolver_options(const config& c);

// The new endpoint, its secret included: the only time it is shown.
task<webhook_endpoint> create_webhook(redis::client& redis, dns::resolver& resolver,
                                      const config& cfg, std::string tenant, std::string url,
                                      webhook_filter filter, std::int64_t now_ms);

}  // namespace herald::ops
