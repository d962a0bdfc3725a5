// Errors of the dns folder, two categories:
//
// - `dns_errc`: what one DNS query answered or why it got no answer. A
//   name that does not exist (NXDOMAIN) and a name without records of the
//   asked type (NODATA) are different codes, because RFC 5321 (implicit
//   MX) and RFC 7208 (void lookups) treat them differently.
// - `route_errc`: why a mail domain has no usable route, in the terms a
//   sender acts on: bounce (permanent) or defer (temporary). The DNS cause
//   is kept in the detail.
//
// Names are part of the public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::dns {

enum class dns_errc {
    nxdomain = 1,  // the name does not exist
    nodata,        // the name exists but has no record of the asked type
    timeout,       // no answer within the timeout and tries
    servfail,      // the server answered SERVFAIL (it could not resolve)
    refused,       // the server answered REFUSED or NOTIMP (it will not resolve)
    unreachable,   // the server's port refused us (ICMP port unreachable, TCP reset)
    bad_name,      // not a valid A-label DNS name; never sent
    bad_response,  // a malformed answer (FORMERR, unparsable records)
    cancelled,     // the resolver stopped with the query outstanding
    failed,        // anything else c-ares reports (out of memory, bad setup)
};

const error_category& dns_category() noexcept;
std::error_code make_error_code(dns_errc e) noexcept;
error make_error(dns_errc e, std::string detail);

// The answer is final for now: the name has no such data (NXDOMAIN or
// NODATA). SPF counts these as void lookups.
bool is_negative(const std::error_code& ec) noexcept;
// Asking again later may succeed (timeouts, server failures, stopping).
bool is_transient(const std::error_code& ec) noexcept;

enum class route_errc {
    no_route_permanent = 1,  // bounce: the domain does not exist or has no MX and no address
    null_mx,                 // bounce: the domain publishes a null MX (RFC 7505, 5.1.10)
    no_route_temporary,      // defer: DNS failed in a way that may pass
    loop_refused,            // bounce: every target is loopback, private or otherwise not global
};

const error_category& route_category() noexcept;
std::error_code make_error_code(route_errc e) noexcept;
error make_error(route_errc e, std::string detail);

// True when the code says bounce: trying again will not help.
bool is_permanent(route_errc e) noexcept;

}  // namespace herald::dns

template <>
struct std::is_error_code_enum<herald::dns::dns_errc> : std::true_type {};
template <>
struct std::is_error_code_enum<herald::dns::route_errc> : std::true_type {};
