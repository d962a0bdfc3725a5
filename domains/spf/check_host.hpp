// RFC 7208 check_host(): is `ip` allowed to send mail for `domain`?
//
//   dns::resolver r(ex, {.servers = {"127.0.0.1:5353"}});
//   spf::evaluation e = co_await spf::check_host(r, {ip, "example.com", "bob@example.com",
//   "mx.a"}); e.code == spf::result::pass; e.trace lists every lookup and its answers.
//
// In full: every mechanism and modifier, CIDR lengths for both families
// (an IPv4-mapped IPv6 client is evaluated as IPv4), macros (§7, with
// %{p} validated through PTR and forward lookups), include and redirect
// recursion, exp= explanations (fail only; never from an included record,
// never the original's after a redirect).
//
// Limits, as the RFC sets them (options can change them for tests):
// - 10 terms that query DNS (include a mx ptr exists redirect) over the
//   whole evaluation; the 11th is permerror. Loops end there too.
// - 2 void lookups (NXDOMAIN or NODATA) of a/mx/ptr/exists; the 3rd is
//   permerror. Only each term's own first query counts (not an MX host's
//   address, not the TXT of an include, which has its own rule).
// - an mx with more than 10 MX records is permerror; ptr and %{p} look at
//   the first 10 PTR names only.
//
// Error contract: never throws for DNS or record problems; they are
// results. Timeouts, SERVFAIL and other server failures of a query that
// decides anything are temperror (never fail); a syntax error anywhere in
// a record, two v=spf1 records, or two redirect=/exp= are permerror.
//
// The resolver (and cache, if given) must outlive the call; one
// evaluation runs on the resolver's executor.
#pragma once

#include "dns/resolver.hpp"
#include "domains/spf/answer_cache.hpp"
#include "domains/spf/evaluation.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <string>

namespace herald::domains::spf {

struct query {
    boost::asio::ip::address ip;  // the SMTP client
    std::string domain;           // whose record to evaluate (MAIL FROM's domain, or HELO's)
    std::string sender;           // MAIL FROM; empty: postmaster@domain
    std::string helo;             // for %{h}
};

struct options {
    int max_lookups = 10;
    int max_void = 2;
    int max_mx = 10;
    int max_ptr = 10;
    // §4.6.4 asks for an overall bound (at least 20 s): a DNS-querying term
    // reached after it is temperror. Each query is bounded by the resolver.
    std::chrono::milliseconds max_duration{20000};
    std::string receiver = "unknown";  // %{r}: the host doing the check
    answer_cache* cache = nullptr;     // none: every lookup asks the servers
};

// Pass both as named objects: GCC 12 destroys a temporary (or a default
// argument) given to a coroutine twice.
boost::asio::awaitable<evaluation> check_host(dns::resolver& r, query q, options opt);

}  // namespace herald::domains::spf
