#include "ops/metrics_listener.hpp"

#include "core/config.hpp"
#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <list>

namespace herald::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::seconds;
constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::uint32_t max_header_bytes = 8 * 1024;
constexpr auto request_timeout = seconds(10);
constexpr auto idle_timeout = seconds(30);

http::response<http::string_body> plain(http::status status, std::string body,
                                        std::string_view type = "text/plain; charset=utf-8") {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace

struct metrics_listener::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, redis::client& r, metrics_registry& reg)
        : acceptor(ex), redis(r), registry(reg) {}

    tcp::acceptor acceptor;
    redis::client& redis;
    metrics_registry& registry;
    std::list<beast::tcp_stream*> open;
    bool stopped = false;

    asio::awaitable<http::response<http::string_body>> answer(
        const http::request<http::empty_body>& req) {
        const auto target = req.target();
        const auto path = target.substr(0, target.find('?'));
        if (path != "/metrics" && path != "/healthz")
            co_return plain(http::status::not_found, "not found\n");
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            auto res = plain(http::status::method_not_allowed, "GET only\n");
            res.set(http::field::allow, "GET, HEAD");
            co_return res;
        }
        if (path == "/healthz") co_return plain(http::status::ok, "ok\n");
        auto text = co_await registry.scrape(redis);
        co_return plain(http::status::ok, std::move(text), metrics_content_type);
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        auto self = shared_from_this();
        beast::tcp_stream stream(std::move(socket));
        const auto at = open.insert(open.end(), &stream);
        beast::flat_buffer buffer(max_header_bytes);
        while (!stopped) {
            http::request_parser<http::empty_body> parser;
            parser.header_limit(max_header_bytes);
            stream.expires_after(buffer.size() ? request_timeout : idle_timeout);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, k_tuple);
            if (ec) break;
            stream.expires_never();
            auto res = co_await answer(parser.get());
            const bool keep = parser.get().keep_alive() && !stopped;
            res.keep_alive(keep);
            if (parser.get().method() == http::verb::head) res.body().clear();
            stream.expires_after(request_timeout);
            auto [wec, wn] = co_await http::async_write(stream, res, k_tuple);
            if (wec || !keep) break;
        }
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        open.erase(at);
    }

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        while (!stopped) {
            auto [ec, socket] = co_await acceptor.async_accept(k_tuple);
            if (ec) {
                if (stopped || ec == asio::error::operation_aborted) break;
                log::warn("metrics.accept_failed", {{"error", ec.message()}});
                continue;
            }
            if (open.size() >= max_connections) continue;  // closed as `socket` goes
            asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
        }
    }
};

metrics_listener::metrics_listener(asio::any_io_executor ex, redis::client& redis,
                                   metrics_registry& registry)
    : impl_(std::make_shared<impl>(std::move(ex), redis, registry)) {}

metrics_listener::~metrics_listener() {
    stop();
}

result<std::uint16_t> metrics_listener::start(std::string_view listen) {
    auto fail = [&](const std::string& why) {
        return make_error(errc::invalid_argument,
                          "metrics.listen " + std::string(listen) + ": " + why);
    };
    auto where = parse_host_port(listen);
    if (!where) return fail("must be host:port");
    boost::system::error_code ec;
    auto address = asio::ip::make_address(where->host, ec);
    if (ec) return fail("not an IP address: " + ec.message());
    const tcp::endpoint at(address, where->port);
    auto& a = impl_->acceptor;
    a.open(at.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a.bind(at, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        boost::system::error_code ignored;
        a.close(ignored);
        return fail(ec.message());
    }
    const auto port = a.local_endpoint().port();
    asio::co_spawn(a.get_executor(), impl_->accept_loop(), asio::detached);
    log::info("metrics.listening",
              {{"address", std::string(listen)}, {"port", static_cast<std::int64_t>(port)}});
    return port;
}

void metrics_listener::stop() {
    auto& i = *impl_;
    if (i.stopped) return;
    i.stopped = true;
    boost::system::error_code ignored;
    i.acceptor.close(ignored);
    for (auto* s : i.open)
        s->cancel();
}

}  // namespace herald::ops
