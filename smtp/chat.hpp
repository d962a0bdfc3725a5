// One SMTP connection's I/O (Postfix's smtp_chat): connect, write bytes,
// read one reply, switch to TLS after STARTTLS. Each call is bounded by
// the deadline it is given; it knows nothing of the protocol's order.
//
// Error contract: every call answers a `step`: the value, or a `failure`
// tagged with the caller's phase: timeout (the deadline passed; the
// socket is cancelled, so the connection is unusable), connect_failed,
// connection_lost (the peer closed or reset), protocol_error (a malformed
// or oversized reply), tls_failed / tls_verify_failed. After any failure
// the caller must close(): a half-read reply cannot be resynchronised.
// A write that fails may have sent part of its bytes, never all of them.
//
// Limits: reply lines and counts per reply_limits; at most max_line + 4 KiB
// buffered. Thread model: one coroutine at a time, on one executor that
// does not run handlers concurrently.
#pragma once

#include "smtp/failure.hpp"
#include "smtp/reply.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <string>

namespace herald::smtp {

namespace asio = boost::asio;

template <class T>
using step = boost::system::result<T, failure>;

class chat {
public:
    chat(asio::any_io_executor ex, reply_limits limits);
    ~chat();
    chat(const chat&) = delete;
    chat& operator=(const chat&) = delete;

    asio::awaitable<step<void>> connect(asio::ip::tcp::endpoint ep, milliseconds timeout);

    // Writes head then tail (gathered: one system call when they fit).
    asio::awaitable<step<void>> write(std::string_view head, std::string_view tail, phase p,
                                      milliseconds timeout);
    asio::awaitable<step<void>> write(std::string_view bytes, phase p, milliseconds timeout) {
        return write(bytes, {}, p, timeout);
    }

    // One whole reply; the deadline covers all of its lines.
    asio::awaitable<step<reply>> read_reply(phase p, milliseconds timeout);

    // The client handshake, after the peer's 220 to STARTTLS. `host` is
    // sent as SNI and, with `verify`, checked against the certificate.
    asio::awaitable<step<void>> start_tls(asio::ssl::context& ctx, const std::string& host,
                                          bool verify, milliseconds timeout);

    bool tls_active() const noexcept { return tls_.has_value(); }
    // Bytes received but not yet read as a reply (e.g. pipelined replies).
    bool has_unread() const noexcept { return !in_.empty(); }
    void close() noexcept;

private:
    struct watch;  // the deadline's shared state, outliving the chat if need be
    using tls_stream = asio::ssl::stream<asio::ip::tcp::socket&>;

    void arm(milliseconds d);
    void disarm();
    failure io_failure(phase p, const boost::system::error_code& ec) const;
    std::optional<std::string> take_line();
    asio::awaitable<boost::system::error_code> read_more();

    asio::ip::tcp::socket socket_;
    std::optional<tls_stream> tls_;
    asio::steady_timer timer_;
    std::shared_ptr<watch> watch_;
    reply_limits limits_;
    std::string in_;
};

}  // namespace herald::smtp
