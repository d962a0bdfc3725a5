// A fake SMS provider for benchmarks: answers every POST like Twilio's
// Messages API (201 and a JSON message resource with a fresh "SM" sid), as
// fast as it can, so the client side is what a benchmark measures. HTTP/1.1
// with keep-alive on Beast, N threads on one io_context, loopback only.
//
//   fake_provider_server [--port N] [--threads N]
//
// Prints "READY <port>" once it listens; stops on SIGINT or SIGTERM. Not
// for tests of behaviour: tests/support/fake_http.py is the scriptable one.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// "SM" and 32 hex digits, unique per process: a random base per thread
// plus a counter.
std::string next_sid() {
    thread_local std::uint64_t base = std::random_device{}() * 0x9e3779b97f4a7c15ull;
    thread_local std::uint64_t n = 0;
    char buf[40];
    std::snprintf(buf, sizeof buf, "SM%016llx%016llx", static_cast<unsigned long long>(base),
                  static_cast<unsigned long long>(++n));
    return buf;
}

// The account id from /2010-04-01/Accounts/{sid}/Messages.json, or empty.
std::string_view account_of(std::string_view target) {
    constexpr std::string_view marker = "/Accounts/";
    const auto at = target.find(marker);
    if (at == std::string_view::npos) return {};
    auto rest = target.substr(at + marker.size());
    return rest.substr(0, rest.find('/'));
}

http::response<http::string_body> answer(const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/json");
    if (req.method() != http::verb::post) {
        res.result(http::status::method_not_allowed);
        res.body() = R"({"code":20004,"message":"Method not allowed","status":405})";
    } else {
        res.result(http::status::created);
        res.body() =
            std::string(R"({"sid":")") + next_sid() + R"(","account_sid":")" +
            std::string(account_of(req.target())) +
            R"(","status":"queued","num_segments":"1","direction":"outbound-api",)"
            R"("error_code":null,"error_message":null,"price":null,"api_version":"2010-04-01"})";
    }
    res.prepare_payload();
    return res;
}

asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024);
        stream.expires_after(std::chrono::seconds(60));
        auto [rec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (rec) break;
        auto res = answer(parser.get());
        auto [wec, m] = co_await http::async_write(stream, res, use_tuple);
        if (wec || !res.keep_alive()) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;
        socket.set_option(tcp::no_delay(true));
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    int threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--port") == 0)
            port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else if (std::strcmp(argv[i], "--threads") == 0)
            threads = std::max(1, std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv[0]);
            return 2;
        }
    }
    asio::io_context ioc(threads);
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    acceptor.listen(1024);
    asio::co_spawn(ioc, listen(acceptor), asio::detached);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { ioc.stop(); });
    std::printf("READY %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool)
        t.join();
    return 0;
}
