// An asynchronous DNS resolver on Boost.Asio: one c-ares channel per
// resolver, driven by the executor's reactor, exposed as coroutines.
//
//   dns::resolver r(ex, {.servers = {"127.0.0.1:5353"}, .timeout = 500ms});
//   auto mx = co_await r.mx("example.com");     // result<vector<mx_record>>
//   auto v4 = co_await r.a("mx1.example.com");  // result<vector<ip::address>>
//   auto spf = co_await r.txt("example.com");   // result<vector<string>>
//   auto names = co_await r.ptr(ip);            // result<vector<string>>
//
// Names are asked exactly as given (ares_query: no search domains), in
// A-label form: the caller converts IDNs. Any number of coroutines may
// query at once; they share the channel's sockets.
//
// Error contract (dns_errc): `dns_nxdomain` (no such name) and
// `dns_nodata` (the name has no record of this type) are answers; a
// name that cannot be valid is `dns_bad_name` and is never sent;
// `dns_timeout`, `dns_servfail`, `dns_refused`, `dns_unreachable` and
// `dns_bad_response` are the servers failing us; stopping the resolver
// completes outstanding queries with `dns_cancelled`.
//
// Limits: no cache (each call asks the servers); records in the order the
// server sent them (mx() does not sort: routing does, dns/mx_route.hpp).
//
// Thread model: all calls on one resolver come from its executor, which
// must not run handlers concurrently (one thread, or a strand); use one
// resolver per executor. Destroy it before its io_context.
#pragma once

#include "dns/answer.hpp"
#include "dns/resolver_options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>

namespace herald::dns {

class ares_driver;

class resolver {
public:
    // Throws std::runtime_error on invalid options (see validate()) or
    // when c-ares cannot start: a start-up failure.
    explicit resolver(boost::asio::any_io_executor ex, const resolver_options& opt = {});
    ~resolver();
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    boost::asio::awaitable<result<std::vector<mx_record>>> mx(std::string domain);
    boost::asio::awaitable<result<std::vector<boost::asio::ip::address>>> a(std::string host);
    boost::asio::awaitable<result<std::vector<boost::asio::ip::address>>> aaaa(std::string host);
    boost::asio::awaitable<result<std::vector<std::string>>> txt(std::string name);
    // The names `address` points back to (PTR of its reverse name).
    boost::asio::awaitable<result<std::vector<std::string>>> ptr(boost::asio::ip::address address);

    // The server's answer as it came, for callers that keep answers
    // (a cache, with answer_ttl) and parse them later with dns/answer.hpp.
    // `type` is an ns_t_* value. The only error is `dns_bad_name`; every
    // other outcome is in the answer's status.
    boost::asio::awaitable<result<raw_answer>> raw(std::string name, int type);

    // Completes outstanding queries with `dns_cancelled`; later ones fail
    // the same way. The destructor does it too.
    void stop();
    std::size_t outstanding() const;
    const boost::asio::any_io_executor& executor() const { return ex_; }

private:
    boost::asio::any_io_executor ex_;
    std::shared_ptr<ares_driver> driver_;
};

}  // namespace herald::dns
