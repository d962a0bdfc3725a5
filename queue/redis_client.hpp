// A Redis client on Boost.Asio: hiredis' async context driven by the
// executor's reactor, exposed as coroutines.
//
//   auto r = co_await redis.exec({"GET", "k"});
//   auto rs = co_await redis.pipeline({{"INCR", "a"}, {"INCR", "b"}});
//
// Every command issued in one turn of the executor goes out in one write,
// so concurrent coroutines pipeline for free. The client reconnects by
// itself with exponential backoff and jitter; commands issued while it is
// down wait for the connection until their deadline.
//
// Error contract (queue_errc): `not_connected` means the command was never
// sent; `connection_lost` and `timeout` mean it may or may not have run,
// so only idempotent work may be retried blindly. A timeout also drops the
// connection, because hiredis 0.14 cannot cancel one command and a late
// reply must not be matched to the next one. Redis error replies are
// values inside the replies of `pipeline`; `exec` turns them into errors.
// A server that answers the handshake's PING with -MISCONF counts as
// connected, so callers see the refusal of their writes, not `not_connected`.
//
// Each answered command or pipeline's round trip is observed for /metrics
// (metrics::latency::redis_round_trip), except those given `extra` time
// because they block on purpose.
//
// Thread model: all calls on one client must come from its executor, and
// that executor must not run handlers concurrently (one thread, or a
// strand).
#pragma once

#include "core/error.hpp"
#include "queue/redis_reply.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace herald::redis {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string user;
    std::string password;
    int db = 0;

    // redis://[[user]:password@]host[:port][/db]
    static result<endpoint> parse(std::string_view url);
    std::string str() const;  // the URL without its password
};

struct client_options {
    milliseconds timeout{5000};
    milliseconds connect_timeout{2000};
    milliseconds backoff_min{50};
    milliseconds backoff_max{2000};
    // Sent as CLIENT SETNAME on every connection (siblings too), so that
    // CLIENT LIST tells what a connection is for; empty: none. No spaces.
    std::string name;
};

class client {
public:
    client(asio::any_io_executor ex, endpoint ep, client_options opt = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Starts the connect/reconnect loop; returns at once.
    void start();
    // Fails in-flight and waiting commands with `stopped` and closes.
    void stop();

    // A new client to the same server with the same options (not started),
    // e.g. a second connection for blocking reads, which hold back every
    // command queued behind them on theirs.
    std::unique_ptr<client> sibling() const;

    bool connected() const;
    std::uint64_t reconnects() const;

    // `extra` lengthens the deadline, for commands that block on purpose
    // (XREADGROUP ... BLOCK).
    asio::awaitable<result<reply>> exec(command cmd, milliseconds extra = milliseconds{0});
    asio::awaitable<result<std::vector<reply>>> pipeline(std::vector<command> cmds,
                                                         milliseconds extra = milliseconds{0});

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

// An error reply as an error value: -OOM and -MISCONF are backpressure,
// anything else a server error carrying Redis' text.
error error_from_reply(const reply& r);

// Whether Redis refuses writes because it cannot persist (-MISCONF: a full
// disk, a failed snapshot); it answers PING so too, but the connection is
// sound and reads still work.
bool refuses_writes(const reply& r);

}  // namespace herald::redis
