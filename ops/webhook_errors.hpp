// Errors of webhooks (ops/webhook_*): what a tenant or ops did wrong when
// registering an endpoint or naming a batch. Each names the field at
// fault where there is one (`url`, `events`, `id`).
#pragma once

#include "core/error.hpp"

namespace herald::ops {

enum class webhook_errc {
    invalid_url = 1,     // 400: not an absolute http(s) URL herald can call
    https_required,      // 400: http:// while webhooks.allow_http is off
    address_refused,     // 400: the host is (or resolves to) loopback, private, link-local, ...
    unresolvable,        // 400: the host has no address (NXDOMAIN, no A/AAAA)
    dns_failed,          // 503: the DNS servers did not answer; try again
    invalid_events,      // 400: an event pattern that is not a type, "prefix.*" or "*"
    endpoint_limit,      // 409: the tenant has webhooks.max_endpoints endpoints
    endpoint_not_found,  // 404: no such endpoint of this tenant
    batch_not_found,     // 404: no such dead-lettered batch of this tenant
};

const error_category& webhook_category() noexcept;
std::error_code make_error_code(webhook_errc e) noexcept;
error make_error(webhook_errc e, std::string detail, std::string field = {});

}  // namespace herald::ops

template <>
struct std::is_error_code_enum<herald::ops::webhook_errc> : std::true_type {};
