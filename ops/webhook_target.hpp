// Where a webhook may go: the checks of an endpoint's URL, made when it
// is registered and again before every POST, and the address the POST is
// pinned to.
//
// The URL must be absolute http(s) without credentials; http only when
// webhooks.allow_http. Its host (an IP literal, or a name resolved with
// herald's c-ares resolver, A and AAAA) must lead only to global
// addresses: loopback, private, link-local, documentation and the other
// special ranges are refused unless webhooks.allow_private, with the same
// address-scope table as direct SMTP (dns/address_scope.hpp); an
// unspecified or multicast address never passes. A name with any refused
// address is refused whole. The checked address is handed to curl
// (CURLOPT_RESOLVE, `pin`), so a DNS answer that changes between the check
// and the connection (rebinding) cannot redirect the request.
//
// Errors (ops/webhook_errors.hpp, field `url`): invalid_url,
// https_required, address_refused, unresolvable (NXDOMAIN, no records),
// dns_failed (the servers failed: transient).
#pragma once

#include "core/error.hpp"
#include "dns/resolver.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>

namespace herald::ops {

struct webhook_policy {
    bool allow_http = false;
    bool allow_private = false;
};

struct webhook_url {
    std::string scheme;  // http | https
    std::string host;    // as in the URL; an IPv6 literal without brackets
    std::uint16_t port = 0;
    bool literal = false;  // the host is an IP address
};

// The syntactic checks (scheme, host, port, no credentials), no DNS.
result<webhook_url> parse_webhook_url(std::string_view url, const webhook_policy& policy);

struct pinned_target {
    webhook_url url;
    boost::asio::ip::address address;  // the checked address the POST goes to
    std::string pin;  // "host:port:address" for CURLOPT_RESOLVE; empty for an IP literal
};

// Every check, DNS included.
boost::asio::awaitable<result<pinned_target>> check_webhook_target(dns::resolver& resolver,
                                                                   std::string url,
                                                                   webhook_policy policy);

}  // namespace herald::ops
