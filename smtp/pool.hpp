// SMTP connection pools, one per destination (host name + address + port):
// send() borrows a connection (an idle one, else a new one while under
// max_connections, else waits for one), runs one transaction on it, and
// gives it back for reuse or closes it.
//
// Reuse: an idle connection is RSET before it carries the next message;
// one whose RSET fails is dropped and send() moves on to another (or a
// new one), so a connection the peer closed while idle costs no deferral.
// A connection that failed (any failure wider than one message, see
// smtp/failure.hpp) is never reused; one that carried
// max_messages_per_connection messages is QUIT; idle ones are QUIT after
// idle_timeout. The most recently used idle connection is reused first,
// so surplus ones age out.
//
// Error contract: send() never throws and never fails as a call; it
// answers a send_result (per recipient). Failures before any transaction
// (connect, greeting, EHLO, TLS, AUTH) apply to every recipient; no
// connection free within wait_timeout is pool_timeout; after close(),
// pool_closed (both transient). create() fails only on a bad TLS setup
// (e.g. an unreadable CA file); it reads files: call it at start-up.
//
// Thread model: every call on one pool, and every coroutine it starts,
// runs on the executor given to create(), which must not run handlers
// concurrently (an io_context run by one thread, or a strand). Many
// send() coroutines may run at once; each connection serves one at a time.
// The pool's state stays alive while any of its coroutines runs.
//
// Limits: at most max_connections per destination; a destination with no
// connection and no send in progress is forgotten.
#pragma once

#include "core/error.hpp"
#include "smtp/session.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace herald::smtp {

struct pool_options {
    session_options session;
    std::size_t max_connections = 4;                      // per destination
    std::size_t max_messages_per_connection = 100;        // then QUIT and open a new one
    milliseconds idle_timeout{std::chrono::seconds(10)};  // 0: never keep idle connections
    milliseconds wait_timeout{std::chrono::seconds(60)};  // for a free connection
    // The wait for a QUIT's answer when the pool lets a connection go: the
    // answer changes nothing, and a slow peer must not hold up a stopping
    // process (session_options::limits.quit is for callers that care).
    milliseconds quit_timeout{std::chrono::seconds(1)};
};

struct pool_stats {
    std::uint64_t connections_opened = 0;  // open() succeeded
    std::uint64_t connections_failed = 0;  // open() failed
    std::uint64_t reuses = 0;              // an idle connection taken for another message
    std::uint64_t transactions = 0;        // messages handed to a session
    std::size_t open = 0;                  // now: connecting, busy or idle
    std::size_t idle = 0;                  // now
};

class pool {
public:
    static result<std::unique_ptr<pool>> create(asio::any_io_executor ex, pool_options options);
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    // `data` is the rendered (and signed) message with CRLF line ends, not
    // dot-stuffed; it must stay valid until the coroutine completes.
    asio::awaitable<send_result> send(destination dest, envelope env, std::string_view data);

    // QUITs idle connections, all at once, each waiting at most
    // quit_timeout for its answer; busy ones are QUIT when their message is
    // done; waiting and later sends answer pool_closed.
    asio::awaitable<void> close();

    pool_stats stats() const;

private:
    struct impl;
    explicit pool(std::shared_ptr<impl> p);
    std::shared_ptr<impl> impl_;
};

}  // namespace herald::smtp
