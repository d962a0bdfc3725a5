// `herald work`'s own /metrics (metrics.listen), since a worker has no API
// server: a small HTTP/1.1 listener on the worker's executor answering
// GET /metrics with the process's exposition, GET /healthz, and 404 or
// 405 to anything else.
//
// Bounded: at most `max_connections` open (more are closed at once), a
// request header of 8 KiB and no body, 10 s to send a request, 30 s idle
// between keep-alive requests. stop() closes the listener and every
// connection.
//
// Error contract: start() answers an error naming the address when it
// cannot resolve or bind; the caller logs it and the worker runs on.
//
// Thread model: every call on the executor's thread, like the Redis
// client it scrapes with.
#pragma once

#include "core/error.hpp"
#include "ops/metrics.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

namespace herald::ops {

class metrics_listener {
public:
    static constexpr std::size_t max_connections = 16;

    metrics_listener(boost::asio::any_io_executor ex, redis::client& redis,
                     metrics_registry& registry);
    ~metrics_listener();
    metrics_listener(const metrics_listener&) = delete;
    metrics_listener& operator=(const metrics_listener&) = delete;

    // Binds `listen` ("host:port"; port 0: any free port) and starts
    // accepting; answers the bound port.
    result<std::uint16_t> start(std::string_view listen);
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace herald::ops
