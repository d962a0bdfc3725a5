// The HTTP/1.1 server: one lane (thread, io_context, Redis client,
// admitter) per configured thread, all accepting on one port.
//
// Every input is bounded: the header (api.max_header_bytes, 431), the body
// (api.max_body_bytes, 413, refused from Content-Length before it is
// read), the number of connections (api.max_connections: past it a client
// gets 503 and is closed, the rest keep being served), and time: a
// keep-alive connection may wait api.idle_timeout_ms for its next request,
// then a request has api.header_timeout_ms from its first byte to finish
// its header and api.body_timeout_ms for its body, so a slowloris client is
// dropped. Pipelined requests are answered in order, one at a time.
//
// drain() (SIGTERM) stops accepting, closes idle connections, lets every
// request being handled finish and answer, then stops the lanes.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace herald::api {

struct lane;

class server {
public:
    explicit server(const config& cfg);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds api.listen (port 0: any free port) and starts the lanes.
    result<void> start();
    std::uint16_t port() const { return port_; }
    // Thread-safe, and safe to call more than once.
    void drain();
    // Waits for the lanes to stop (after drain()).
    void join();

    std::size_t connections() const { return connections_.load(); }

private:
    struct lane_runtime;

    const config& cfg_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    std::vector<std::unique_ptr<lane_runtime>> lanes_;
    std::vector<std::thread> threads_;
};

}  // namespace herald::api
