#include "api/server.hpp"

#include "api/errors.hpp"
#include "api/lane.hpp"
#include "api/routes.hpp"
#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/url/parse.hpp>

#include <sys/resource.h>

#include <list>

namespace herald::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// One open connection, as drain() needs to see it.
struct connection {
    beast::tcp_stream stream;
    bool busy = false;  // between a request's first byte and its answer
};

response refusal(const error& e) {
    auto r = error_answer(e);
    r.keep_alive(false);
    return r;
}

}  // namespace

struct server::lane_runtime {
    lane_runtime(const config& cfg, const redis::endpoint& ep, std::atomic<std::size_t>& count)
        : l(cfg, ep), acceptor(l.ioc), connections(count) {}

    lane l;
    tcp::acceptor acceptor;
    std::atomic<std::size_t>& connections;
    std::list<connection*> open;
    bool draining = false;
    std::unique_ptr<asio::steady_timer> drain_deadline;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
    asio::awaitable<void> refuse(tcp::socket socket);
    asio::awaitable<response> dispatch(const http_request& req);
    void start_drain();
    void finish_if_drained();
};

asio::awaitable<void> server::lane_runtime::accept_loop() {
    const auto max = l.cfg.api.max_connections;
    while (!draining) {
        auto [ec, socket] = co_await acceptor.async_accept(k_tuple);
        if (ec) {
            if (draining || ec == asio::error::operation_aborted) break;
            // Out of descriptors: let connections close before trying again.
            log::warn("api.accept_failed", {{"error", ec.message()}});
            asio::steady_timer pause(l.ioc, milliseconds(50));
            co_await pause.async_wait(k_tuple);
            continue;
        }
        if (connections.fetch_add(1) >= max) {
            asio::co_spawn(l.ioc, refuse(std::move(socket)), asio::detached);
            continue;
        }
        asio::co_spawn(l.ioc, serve(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> server::lane_runtime::refuse(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(milliseconds(1000));
    auto answer = refusal(make_error(api_errc::too_many_connections,
                                     "the server has api.max_connections connections open"));
    co_await http::async_write(stream, answer, k_tuple);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    --connections;
}

asio::awaitable<void> server::lane_runtime::serve(tcp::socket socket) {
    const auto& api = l.cfg.api;
    connection c{beast::tcp_stream(std::move(socket))};
    const auto self = open.insert(open.end(), &c);
    beast::flat_buffer buffer;
    for (;;) {
        if (draining) break;
        // Waiting for a request: the idle timeout. Its first byte starts
        // the header's own clock. A small first read keeps an idle
        // connection's buffer small; the parser's reads grow it.
        if (buffer.size() == 0) {
            c.stream.expires_after(milliseconds(api.idle_timeout_ms));
            auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(512), k_tuple);
            if (ec) break;
            buffer.commit(n);
        }
        c.busy = true;
        http::request_parser<http::string_body> parser;
        parser.header_limit(api.max_header_bytes);
        parser.body_limit(api.max_body_bytes);
        c.stream.expires_after(milliseconds(api.header_timeout_ms));
        auto [hec, hn] = co_await http::async_read_header(c.stream, buffer, parser, k_tuple);
        std::optional<response> early;
        if (hec == http::error::header_limit) {
            early = refusal(make_error(api_errc::headers_too_large,
                                       "the request line and headers exceed " +
                                           std::to_string(api.max_header_bytes) + " bytes"));
        } else if (hec == beast::error::timeout || hec == http::error::end_of_stream ||
                   hec == asio::error::operation_aborted || hec == asio::error::eof ||
                   hec == asio::error::connection_reset) {
            break;
        } else if (hec == http::error::body_limit ||
                   (!hec && parser.content_length() &&
                    *parser.content_length() > api.max_body_bytes)) {
            // Beast refuses a Content-Length over the limit with the header.
            early = refusal(make_error(errc::payload_too_large,
                                       "the body is over api.max_body_bytes (" +
                                           std::to_string(api.max_body_bytes) + " bytes)"));
        } else if (hec) {
            early = refusal(make_error(errc::invalid_argument, "not HTTP/1.1: " + hec.message()));
        }
        if (!early && !parser.is_done()) {
            if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
                http::response<http::empty_body> go_on{http::status::continue_, 11};
                auto [cec, cn] = co_await http::async_write(c.stream, go_on, k_tuple);
                if (cec) break;
            }
            c.stream.expires_after(milliseconds(api.body_timeout_ms));
            auto [bec, bn] = co_await http::async_read(c.stream, buffer, parser, k_tuple);
            if (bec == http::error::body_limit) {
                early = refusal(make_error(errc::payload_too_large,
                                           "the body exceeds api.max_body_bytes (" +
                                               std::to_string(api.max_body_bytes) + ")"));
            } else if (bec) {
                break;
            }
        }
        c.stream.expires_never();
        response answer;
        if (early) {
            answer = std::move(*early);
        } else {
            answer = co_await dispatch(parser.get());
            answer.keep_alive(parser.get().keep_alive() && !draining);
        }
        answer.version(11);
        c.stream.expires_after(milliseconds(api.body_timeout_ms));
        auto [wec, wn] = co_await http::async_write(c.stream, answer, k_tuple);
        c.busy = false;
        if (wec || !answer.keep_alive()) break;
        // A big request's buffer is not kept while the connection idles.
        if (buffer.size() == 0 && buffer.capacity() > 65536) buffer.shrink_to_fit();
    }
    boost::system::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    open.erase(self);
    --connections;
    finish_if_drained();
}

asio::awaitable<response> server::lane_runtime::dispatch(const http_request& req) {
    auto target = boost::urls::parse_origin_form(req.target());
    if (!target)
        co_return error_answer(
            make_error(errc::invalid_argument, "the request target is not a path"));
    std::vector<std::string> segments;
    for (auto s : target->segments())
        segments.push_back(s);
    auto m = match_route(req.method_string(), segments);
    if (!m.found && !m.allowed.empty()) {
        auto answer =
            error_answer(make_error(api_errc::method_not_allowed,
                                    std::string(req.method_string()) + " is not allowed here"));
        answer.set(http::field::allow, m.allowed);
        co_return answer;
    }
    if (!m.found) co_return error_answer(make_error(api_errc::not_found, "no such route"));
    principal who;
    if (m.found->who != access::anyone) {
        auto id = co_await l.auth.identify(req);
        if (!id) co_return error_answer(id.error());
        if (m.found->who == access::admin && !id->admin)
            co_return error_answer(
                make_error(api_errc::forbidden, "this route needs an admin key"));
        if (m.found->who == access::tenant && id->admin)
            co_return error_answer(
                make_error(api_errc::forbidden, "this route acts for a tenant: use its key"));
        who = std::move(*id);
    }
    request r{req, std::move(m.params), target->params(), std::move(who), l};
    std::optional<response> answer;
    try {
        answer = co_await m.found->fn(r);
    } catch (const std::exception& e) {
        log::error("api.handler_failed", {{"path", m.found->path}, {"error", e.what()}});
    }
    if (!answer)
        co_return error_answer(make_error(errc::internal, "the request failed inside herald"));
    co_return std::move(*answer);
}

void server::lane_runtime::start_drain() {
    if (draining) return;
    draining = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (auto* c : open)
        if (!c->busy) c->stream.cancel();
    // Requests that do not finish in time are cut.
    drain_deadline =
        std::make_unique<asio::steady_timer>(l.ioc, milliseconds(l.cfg.queue.drain_timeout_ms));
    drain_deadline->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        for (auto* c : open)
            c->stream.cancel();
    });
    finish_if_drained();
}

void server::lane_runtime::finish_if_drained() {
    if (!draining || !open.empty()) return;
    if (drain_deadline) drain_deadline->cancel();
    l.redis.stop();
}

server::server(const config& cfg) : cfg_(cfg) {}

server::~server() {
    drain();
    join();
}

namespace {

// api.max_connections descriptors and more: the soft limit goes up to
// the hard one (often 1024 and 524288), and a limit still too low is said.
void raise_descriptor_limit(std::uint32_t connections) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur < connections + 64u)
        log::warn("api.descriptor_limit",
                  {{"limit", static_cast<std::int64_t>(lim.rlim_cur)},
                   {"max_connections", static_cast<std::int64_t>(connections)}});
}

}  // namespace

result<void> server::start() {
    auto where = parse_host_port(cfg_.api.listen);
    if (!where) return make_error(errc::invalid_argument, "api.listen must be host:port");
    auto ep = redis::endpoint::parse(cfg_.redis.url.empty()
                                         ? "redis://127.0.0.1:" + std::to_string(cfg_.local.port)
                                         : cfg_.redis.url);
    if (!ep) return ep.error();
    asio::io_context resolving;
    tcp::resolver resolver(resolving);
    boost::system::error_code ec;
    auto found = resolver.resolve(where->host, std::to_string(where->port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || found.empty())
        return make_error(errc::invalid_argument,
                          "api.listen: cannot resolve " + where->host + ": " + ec.message());
    tcp::endpoint at = found.begin()->endpoint();
    raise_descriptor_limit(cfg_.api.max_connections);

    const unsigned n =
        cfg_.api.threads ? cfg_.api.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) {
        auto rt = std::make_unique<lane_runtime>(cfg_, *ep, connections_);
        auto& a = rt->acceptor;
        a.open(at.protocol(), ec);
        if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) a.set_option(reuse_port(true), ec);
        if (!ec) a.bind(at, ec);
        if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return make_error(errc::invalid_argument,
                              "api.listen " + cfg_.api.listen + ": " + ec.message());
        // Port 0 picks a free port once; the other lanes share it.
        at.port(a.local_endpoint().port());
        lanes_.push_back(std::move(rt));
    }
    port_ = at.port();
    for (auto& rt : lanes_) {
        rt->l.redis.start();
        asio::co_spawn(rt->l.ioc, rt->accept_loop(), asio::detached);
        threads_.emplace_back([lr = rt.get()] { lr->l.ioc.run(); });
    }
    log::info("api.listening", {{"address", cfg_.api.listen},
                                {"port", static_cast<std::int64_t>(port_)},
                                {"threads", static_cast<std::int64_t>(n)}});
    return {};
}

void server::drain() {
    for (auto& rt : lanes_)
        asio::post(rt->l.ioc, [lr = rt.get()] { lr->start_drain(); });
}

void server::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

}  // namespace herald::api
