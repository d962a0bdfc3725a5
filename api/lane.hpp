// One server thread's share of everything a request needs: its own
// io_context, Redis client, admitter (group commit of its requests'
// admissions) and key cache. Threads share nothing but the listening port
// (SO_REUSEPORT) and the connection count, so no request waits on a lock.
#pragma once

#include "api/auth.hpp"
#include "core/config.hpp"
#include "queue/admitter.hpp"
#include "queue/producer.hpp"

#include <boost/asio/io_context.hpp>

namespace herald::api {

struct lane {
    lane(const config& c, const redis::endpoint& ep)
        : cfg(c),
          redis(ioc.get_executor(), ep,
                {std::chrono::milliseconds(c.redis.timeout_ms),
                 std::chrono::milliseconds(c.redis.connect_timeout_ms)}),
          producer(redis, c.queue.shards),
          admitter(ioc.get_executor(), producer),
          auth(redis, c.api.admin_key, std::chrono::milliseconds(c.api.key_cache_ms)) {}

    const config& cfg;
    boost::asio::io_context ioc{1};
    redis::client redis;
    queue::producer producer;
    queue::admitter admitter;
    authenticator auth;
};

}  // namespace herald::api
