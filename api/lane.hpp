// One server thread's share of everything a request needs: its own
// io_context, Redis client, admitter (group commit of its requests'
// admissions) and key cache. Threads share nothing but the listening port
// (SO_REUSEPORT) and the connection count, so no request waits on a lock.
#pragma once

#include "api/auth.hpp"
#include "core/config.hpp"
#include "domains/service.hpp"
#include "queue/admitter.hpp"
#include "queue/producer.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdlib>

namespace herald::api {

// The servers sender domains are verified with (domains.dns_servers); an
// invalid list stops the server at start-up with the resolver's message.
inline dns::resolver_options domains_resolver_options(const config& c) {
    dns::resolver_options o;
    o.servers = dns::resolver_options::servers_of(c.domains.dns_servers);
    return o;
}

struct lane {
    lane(const config& c, const redis::endpoint& ep)
        : cfg(c),
          redis(ioc.get_executor(), ep,
                {std::chrono::milliseconds(c.redis.timeout_ms),
                 std::chrono::milliseconds(c.redis.connect_timeout_ms)}),
          producer(redis, c.queue.shards),
          admitter(ioc.get_executor(), producer),
          auth(redis, c.api.admin_key, std::chrono::milliseconds(c.api.key_cache_ms)),
          resolver(ioc.get_executor(), domains_resolver_options(c)),
          domains(redis, c, domains::master_key::load(c.domains, ::getenv), &resolver) {}

    const config& cfg;
    boost::asio::io_context ioc{1};
    redis::client redis;
    queue::producer producer;
    queue::admitter admitter;
    authenticator auth;
    dns::resolver resolver;  // verifies sender domains
    domains::service domains;
};

}  // namespace herald::api
