#include "smtp/chat.hpp"

#include "smtp/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace herald::smtp {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 4096;

}  // namespace

// The timer's handler may run after the chat is gone (it was already
// queued when the chat died), so it reaches the socket through this.
struct chat::watch {
    asio::ip::tcp::socket* socket = nullptr;
    std::uint64_t armed = 0;  // the current deadline's number; stale handlers do nothing
    bool fired = false;
};

chat::chat(asio::any_io_executor ex, reply_limits limits)
    : socket_(ex), timer_(ex), watch_(std::make_shared<watch>()), limits_(limits) {
    watch_->socket = &socket_;
}

chat::~chat() {
    watch_->socket = nullptr;
    timer_.cancel();
}

void chat::arm(milliseconds d) {
    watch_->fired = false;
    const auto gen = ++watch_->armed;
    timer_.expires_after(d);
    timer_.async_wait([w = watch_, gen](boost::system::error_code ec) {
        if (ec || gen != w->armed || !w->socket) return;
        w->fired = true;
        boost::system::error_code ignored;
        w->socket->cancel(ignored);
    });
}

void chat::disarm() {
    ++watch_->armed;
    timer_.cancel();
}

void chat::close() noexcept {
    disarm();
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    tls_.reset();
    in_.clear();
}

failure chat::io_failure(phase p, const boost::system::error_code& ec) const {
    if (watch_->fired) return {p, smtp_errc::timeout, std::nullopt, {}};
    if (p == phase::connect) return {p, smtp_errc::connect_failed, std::nullopt, ec.message()};
    const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    return {p, smtp_errc::connection_lost, std::nullopt,
            closed ? "the peer closed the connection" : ec.message()};
}

asio::awaitable<step<void>> chat::connect(asio::ip::tcp::endpoint ep, milliseconds timeout) {
    arm(timeout);
    auto [ec] = co_await socket_.async_connect(ep, use_tuple);
    disarm();
    if (ec) co_return io_failure(phase::connect, ec);
    boost::system::error_code ignored;
    // Commands are small and each waits for its reply: do not let Nagle
    // hold them back.
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    co_return step<void>{};
}

asio::awaitable<step<void>> chat::write(std::string_view head, std::string_view tail, phase p,
                                        milliseconds timeout) {
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(tail)};
    arm(timeout);
    boost::system::error_code ec;
    if (tls_) {
        auto [e, n] = co_await asio::async_write(*tls_, bufs, use_tuple);
        ec = e;
    } else {
        auto [e, n] = co_await asio::async_write(socket_, bufs, use_tuple);
        ec = e;
    }
    disarm();
    if (ec) co_return io_failure(p, ec);
    co_return step<void>{};
}

std::optional<std::string> chat::take_line() {
    const auto lf = in_.find('\n');
    if (lf == std::string::npos) return std::nullopt;
    std::string line = in_.substr(0, lf > 0 && in_[lf - 1] == '\r' ? lf - 1 : lf);
    in_.erase(0, lf + 1);
    return line;
}

asio::awaitable<boost::system::error_code> chat::read_more() {
    std::array<char, read_chunk> buf;
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls_) {
        auto [e, got] = co_await tls_->async_read_some(asio::buffer(buf), use_tuple);
        ec = e, n = got;
    } else {
        auto [e, got] = co_await socket_.async_read_some(asio::buffer(buf), use_tuple);
        ec = e, n = got;
    }
    in_.append(buf.data(), n);
    co_return ec;
}

asio::awaitable<step<reply>> chat::read_reply(phase p, milliseconds timeout) {
    reply_parser parser(limits_);
    arm(timeout);
    for (;;) {
        if (auto line = take_line()) {
            if (line->size() > limits_.max_line) break;
            auto st = parser.feed(*line);
            if (st == reply_parser::state::done) {
                disarm();
                co_return parser.take();
            }
            if (st == reply_parser::state::malformed) {
                disarm();
                co_return failure{p, smtp_errc::protocol_error, std::nullopt, parser.error()};
            }
            continue;
        }
        if (in_.size() > limits_.max_line) break;
        auto ec = co_await read_more();
        if (ec) {
            disarm();
            co_return io_failure(p, ec);
        }
    }
    disarm();
    co_return failure{p, smtp_errc::protocol_error, std::nullopt,
                      "reply line longer than " + std::to_string(limits_.max_line) + " bytes"};
}

asio::awaitable<step<void>> chat::start_tls(asio::ssl::context& ctx, const std::string& host,
                                            bool verify, milliseconds timeout) {
    tls_.emplace(socket_, ctx);
    if (!prepare_client(tls_->native_handle(), host, verify))
        co_return failure{phase::starttls, smtp_errc::tls_failed, std::nullopt,
                          "cannot set the TLS server name " + host};
    arm(timeout);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    disarm();
    if (!ec) co_return step<void>{};
    if (watch_->fired) co_return failure{phase::starttls, smtp_errc::timeout, std::nullopt, {}};
    auto [code, why] = diagnose(tls_->native_handle(), ec);
    co_return failure{phase::starttls, code, std::nullopt, std::move(why)};
}

}  // namespace herald::smtp
