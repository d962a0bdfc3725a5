// Direct-mode routing of a mail domain (RFC 5321 §5.1): which hosts and
// addresses to try, in order.
//
//   dns::mx_router router(resolver, {.allow_private = false});
//   auto targets = co_await router.route("example.com");
//   // targets: [{host, address, preference, implicit}, ...] best first
//
// MX records are sorted by preference, equal preferences shuffled (RFC
// 5321 asks senders to spread load), and every host is resolved to A and
// AAAA at once. Without MX records the domain's own addresses are the
// route (implicit MX). A null MX (RFC 7505) means the domain takes no
// mail. Addresses that are not global (loopback, RFC 1918, ULA,
// link-local, documentation, ...) are dropped unless `allow_private`, so
// a hostile or broken MX cannot loop mail back into herald or into an
// internal network; unspecified and multicast addresses are always
// dropped.
//
// Error contract (route_errc; the DNS cause is in the detail):
//   no_route_permanent  NXDOMAIN, a name that cannot exist, or no address
//                       anywhere: bounce
//   null_mx             the domain publishes a null MX: bounce (5.1.10)
//   loop_refused        every address found was refused as not global: bounce
//   no_route_temporary  timeouts, SERVFAIL, refusals: defer
// A host whose lookup fails is skipped while others have addresses; if
// none has one and any failure was temporary, the result is temporary.
//
// Limits: the best `max_mx_hosts` hosts (after shuffling) are resolved,
// and at most `max_targets` targets returned. The router and its resolver
// must outlive every route() in flight.
#pragma once

#include "dns/resolver.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace herald::dns {

struct route_options {
    bool allow_private = false;  // also loopback, link-local, documentation ranges
    bool ipv4 = true;
    bool ipv6 = true;
    bool prefer_ipv6 = false;  // within one host, which family comes first
    std::size_t max_mx_hosts = 10;
    std::size_t max_targets = 20;
};

struct mx_target {
    std::string host;  // the MX host, or the domain itself for an implicit MX
    boost::asio::ip::address address;
    std::uint16_t preference = 0;
    bool implicit = false;  // no MX records: the domain's own address (§5.1)
};

class mx_router {
public:
    // `seed` drives the shuffling of equal preferences (tests fix it).
    explicit mx_router(resolver& r, route_options opt = {},
                       std::uint64_t seed = std::random_device{}());

    boost::asio::awaitable<result<std::vector<mx_target>>> route(std::string domain);

    const route_options& options() const { return opt_; }

private:
    struct host_plan {
        std::string host;
        std::uint16_t preference;
    };
    result<std::vector<host_plan>> plan(std::vector<mx_record> mx, const std::string& domain);
    boost::asio::awaitable<result<std::vector<mx_target>>> resolve(std::vector<host_plan> hosts,
                                                                   std::string domain,
                                                                   bool implicit);

    resolver& resolver_;
    route_options opt_;
    std::mt19937_64 rng_;
};

}  // namespace herald::dns
