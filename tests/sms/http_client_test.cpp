// The HTTP client (sms/http_client.hpp) against a real HTTP server on
// 127.0.0.1 (tests/support/fake_http.py): answers, headers, auth, bodies,
// keep-alive, concurrency, and how each failure is classified, because
// that class decides whether a provider may have the message.
#include "sms/http_client.hpp"

#include "tests/support/fake_http.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_ca.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>

namespace herald::sms {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

// A loopback TCP socket that listens and never accepts: the kernel
// completes the TCP handshake, nothing ever answers a byte. With port 0 in
// bind() it gets a free port; closed with the object.
class silent_listener {
public:
    silent_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
            throw std::runtime_error("silent_listener: bind/listen failed");
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~silent_listener() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

// A port nothing listens on: bound, then closed.
std::uint16_t closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

http_request post(std::string url, std::string body = "a=1") {
    http_request r;
    r.url = std::move(url);
    r.body = std::move(body);
    return r;
}

class HttpClientTest : public ::testing::Test {
protected:
    http_response perform(http_client& c, http_request r) {
        return test::run(ioc_, c.perform(std::move(r)));
    }
    http_response perform(http_request r) { return perform(client_, std::move(r)); }

    // Starts `r` in the background; its answer lands in `out`.
    void spawn(http_client& c, http_request r, std::optional<http_response>& out) {
        asio::co_spawn(
            ioc_,
            [&c, &out, r = std::move(r)]() mutable -> asio::awaitable<void> {
                auto resp = co_await c.perform(std::move(r));
                out = std::move(resp);
            },
            asio::detached);
    }

    // Runs the io_context until `done()` or 10 s (then fails the test).
    template <class F>
    void run_until(F done) {
        ioc_.restart();
        for (int i = 0; i < 500 && !done(); ++i)
            ioc_.run_for(20ms);
        ASSERT_TRUE(done()) << srv_.log();
    }

    asio::io_context ioc_;
    test::fake_http srv_;
    http_client client_{ioc_.get_executor(), {.connect_timeout = 2s, .total_timeout = 5s}};
};

TEST_F(HttpClientTest, AnswerWithStatusHeadersAndBody) {
    srv_.script(json::array{
        json::object{{"status", 201},
                     {"headers", json::object{{"X-Provider-Id", "SM42"}, {"Retry-After", "7"}}},
                     {"body", "{\"sid\":\"SM42\"}"}}});
    const auto r = perform(post(srv_.url("/2010-04-01/Messages.json")));
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "{\"sid\":\"SM42\"}");
    EXPECT_EQ(r.header("x-provider-id"), "SM42");  // names lower-cased
    EXPECT_EQ(r.header("retry-after"), "7");
    EXPECT_EQ(r.header("x-absent"), "");
    EXPECT_GE(r.elapsed, 0);
}

TEST_F(HttpClientTest, BasicAuthIsSent) {
    auto req = post(srv_.url("/auth"));
    req.user = "AC123";
    req.password = "tok";
    ASSERT_EQ(perform(req).failure, http_failure::none);
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].header("authorization"), "Basic QUMxMjM6dG9r");  // base64("AC123:tok")
}

TEST_F(HttpClientTest, PostSendsBodyWithFormTypeAndHeadersWithoutExpect) {
    auto req = post(srv_.url("/send"), "To=%2B15551234567&Body=caf%C3%A9");
    req.headers = {"X-Herald-Test: yes"};
    ASSERT_EQ(perform(req).failure, http_failure::none);
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].method, "POST");
    EXPECT_EQ(got[0].path, "/send");
    EXPECT_EQ(got[0].body, "To=%2B15551234567&Body=caf%C3%A9");
    EXPECT_EQ(got[0].header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(got[0].header("x-herald-test"), "yes");
    EXPECT_EQ(got[0].header("expect"), "");
}

// A body larger than curl's upload buffer goes out over many wake-ups on a
// socket that stays writable (the reason for curl_multi's readiness check).
TEST_F(HttpClientTest, LargeBodyIsSentWhole) {
    std::string body(3u << 20, 'b');
    const auto r = perform(post(srv_.url("/large"), body));
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body.size(), body.size());
    EXPECT_EQ(got[0].body, body);
}

TEST_F(HttpClientTest, JsonBodyKeepsItsContentType) {
    auto req = post(srv_.url("/json"), R"({"to":"+15551234567"})");
    req.headers = {"Content-Type: application/json"};
    ASSERT_EQ(perform(req).failure, http_failure::none);
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].header("content-type"), "application/json");
    EXPECT_EQ(got[0].body, R"({"to":"+15551234567"})");
}

TEST_F(HttpClientTest, GetSendsItsQuery) {
    http_request req;
    req.method = "GET";
    req.url = srv_.url("/cgi-bin/sendsms?username=u&to=%2B15551234567&text=hi%20there");
    ASSERT_EQ(perform(req).failure, http_failure::none);
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].method, "GET");
    EXPECT_EQ(got[0].path, "/cgi-bin/sendsms");
    EXPECT_EQ(got[0].query, "username=u&to=%2B15551234567&text=hi%20there");
    EXPECT_EQ(got[0].body, "");
}

TEST_F(HttpClientTest, SequentialRequestsReuseOneConnection) {
    for (int i = 0; i < 5; ++i) {
        const auto r = perform(post(srv_.url("/seq")));
        ASSERT_EQ(r.failure, http_failure::none) << r.error;
        ASSERT_EQ(r.status, 200);
    }
    EXPECT_EQ(srv_.requests().size(), 5u);
    EXPECT_EQ(srv_.connections(), 1u);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsOnOneContext) {
    http_client c(ioc_.get_executor(), {.max_host_connections = 8});
    constexpr int n = 64;
    std::vector<std::optional<http_response>> out(n);
    for (int i = 0; i < n; ++i)
        spawn(c, post(srv_.url("/many"), "n=" + std::to_string(i)), out[i]);
    run_until([&] { return std::all_of(out.begin(), out.end(), [](auto& o) { return o; }); });
    for (const auto& o : out) {
        ASSERT_EQ(o->failure, http_failure::none) << o->error;
        EXPECT_EQ(o->status, 200);
    }
    EXPECT_EQ(c.in_flight(), 0u);
    const auto got = srv_.requests();
    EXPECT_EQ(got.size(), static_cast<std::size_t>(n));
    std::set<std::string> bodies;
    for (const auto& r : got)
        bodies.insert(r.body);
    EXPECT_EQ(bodies.size(), static_cast<std::size_t>(n));  // each once
    EXPECT_LE(srv_.connections(), 8u);                      // max_host_connections
}

// "localhost" is ::1 and 127.0.0.1 to curl; the server listens on the
// second only, so the client goes through a refused socket first.
TEST_F(HttpClientTest, HostNameWithTwoAddressesConnects) {
    const auto r = perform(post("http://localhost:" + std::to_string(srv_.port()) + "/name"));
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(srv_.requests().size(), 1u);
}

// A pinned address (webhooks: the one checked against the address-scope
// rules) is where the request goes, whatever DNS would say: a name that
// does not resolve at all reaches the server, with its own Host header.
TEST_F(HttpClientTest, PinnedAddressIsWhereTheRequestGoes) {
    const std::string port = std::to_string(srv_.port());
    auto req = post("http://hooks.invalid:" + port + "/pinned");
    req.resolve = {"hooks.invalid:" + port + ":127.0.0.1"};
    const auto r = perform(req);
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    EXPECT_EQ(r.status, 200);
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].path, "/pinned");
    EXPECT_EQ(got[0].header("host"), "hooks.invalid:" + port);
    // Without the pin (a client of its own: curl keeps pins in its handle's
    // DNS cache) the name does not resolve, and nothing is sent.
    http_client plain{ioc_.get_executor(), {.connect_timeout = 2s, .total_timeout = 5s}};
    EXPECT_EQ(perform(plain, post("http://hooks.invalid:" + port + "/x")).failure,
              http_failure::not_sent);
}

TEST_F(HttpClientTest, ConnectionRefusedIsNotSent) {
    const auto r = perform(post("http://127.0.0.1:" + std::to_string(closed_port()) + "/x"));
    EXPECT_EQ(r.failure, http_failure::not_sent);
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.status, 0);
}

// The server reads the request head, then closes without reading the body
// or answering: the client had written the whole (small) request by then,
// so the provider may have it.
TEST_F(HttpClientTest, DropBeforeReadingTheBodyIsNoAnswer) {
    srv_.script(json::array{json::object{{"action", "drop_before"}}});
    const auto r = perform(post(srv_.url("/drop")));
    EXPECT_EQ(r.failure, http_failure::no_answer) << r.error;
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].action, "drop_before");
}

TEST_F(HttpClientTest, DropAfterTheBodyIsNoAnswer) {
    srv_.script(json::array{json::object{{"action", "drop_after"}}});
    const auto r = perform(post(srv_.url("/drop"), "Body=hello"));
    EXPECT_EQ(r.failure, http_failure::no_answer) << r.error;
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body, "Body=hello");  // the provider has it
}

// curl resends a request on a fresh connection when a reused connection
// dies without an answer; that second copy must not go out.
TEST_F(HttpClientTest, DropOnAReusedConnectionIsNotResent) {
    ASSERT_EQ(perform(post(srv_.url("/first"))).status, 200);
    srv_.script(json::array{json::object{{"action", "drop_after"}}});
    const auto r = perform(post(srv_.url("/second"), "Body=once"));
    EXPECT_EQ(r.failure, http_failure::no_answer) << r.error;
    const auto got = srv_.requests();
    ASSERT_EQ(got.size(), 2u);  // not 3
    EXPECT_EQ(got[1].body, "Body=once");
    EXPECT_EQ(got[1].connection, got[0].connection);
    // The client still works afterwards.
    EXPECT_EQ(perform(post(srv_.url("/third"))).status, 200);
}

TEST_F(HttpClientTest, AnswerSlowerThanTheTotalTimeoutIsNoAnswer) {
    http_client c(ioc_.get_executor(), {.connect_timeout = 1s, .total_timeout = 300ms});
    srv_.script(json::array{json::object{{"delay_ms", 3000}}});
    const auto r = perform(c, post(srv_.url("/slow")));
    EXPECT_EQ(r.failure, http_failure::no_answer) << r.error;
    EXPECT_EQ(srv_.requests().size(), 1u);
}

// TCP connects, the TLS handshake is never answered: the connect timeout
// ends it before any byte of the request was written.
TEST_F(HttpClientTest, TimeoutBeforeTheRequestIsWrittenIsNotSent) {
    silent_listener hole;
    http_client c(ioc_.get_executor(), {.connect_timeout = 300ms, .total_timeout = 2s});
    const auto r = perform(c, post("https://127.0.0.1:" + std::to_string(hole.port()) + "/x"));
    EXPECT_EQ(r.failure, http_failure::not_sent) << r.error;
}

TEST_F(HttpClientTest, BodyOverOneMebibyteIsTruncated) {
    srv_.script(json::array{json::object{{"body", std::string((3u << 20) / 2, 'x')}}});
    const auto r = perform(post(srv_.url("/big")));
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), std::size_t{1} << 20);
    EXPECT_NE(r.error.find("truncated"), std::string::npos);
}

TEST_F(HttpClientTest, BadRequestsAreUnusableAndNeverSent) {
    for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "127.0.0.1/no-scheme"}) {
        const auto r = perform(post(url));
        EXPECT_EQ(r.failure, http_failure::unusable) << url;
    }
    auto trace = post(srv_.url("/x"));
    trace.method = "TRACE";
    EXPECT_EQ(perform(trace).failure, http_failure::unusable);
    auto injected = post(srv_.url("/x"));
    injected.headers = {"X-A: 1\r\nX-B: 2"};
    EXPECT_EQ(perform(injected).failure, http_failure::unusable);
    EXPECT_TRUE(srv_.requests().empty());
}

TEST_F(HttpClientTest, CloseEndsTransfersInFlightAsTheyWere) {
    silent_listener hole;
    srv_.script(json::array{json::object{{"delay_ms", 5000}}, json::object{{"delay_ms", 5000}}});
    std::optional<http_response> a, b, c;
    spawn(client_, post(srv_.url("/a")), a);
    spawn(client_, post(srv_.url("/b")), b);
    spawn(client_, post("https://127.0.0.1:" + std::to_string(hole.port()) + "/c"), c);
    // Until the server holds both requests (written whole, not answered).
    run_until([&] { return srv_.requests().size() == 2; });
    EXPECT_EQ(client_.in_flight(), 3u);
    client_.close();
    EXPECT_EQ(client_.in_flight(), 0u);
    run_until([&] { return a && b && c; });
    EXPECT_EQ(a->failure, http_failure::no_answer);
    EXPECT_EQ(b->failure, http_failure::no_answer);
    EXPECT_EQ(c->failure, http_failure::not_sent);  // still in its TLS handshake
    // Usable again, on a new connection.
    EXPECT_EQ(perform(post(srv_.url("/after"))).status, 200);
}

TEST_F(HttpClientTest, DestroyingTheClientWithTransfersRunningAnswersThem) {
    srv_.script(json::array{json::object{{"delay_ms", 5000}}});
    auto c = std::make_unique<http_client>(ioc_.get_executor(), http_client_options{});
    std::optional<http_response> a;
    spawn(*c, post(srv_.url("/a")), a);
    run_until([&] { return srv_.requests().size() == 1; });
    c.reset();
    run_until([&] { return a.has_value(); });
    EXPECT_EQ(a->failure, http_failure::no_answer);
}

class HttpClientTlsTest : public ::testing::Test {
protected:
    asio::io_context ioc_;
    test::test_ca ca_;
    test::fake_http srv_{{.cert = ca_.cert_file(), .key = ca_.key_file(), .ca = ca_.ca_file()}};
};

TEST_F(HttpClientTlsTest, VerifiedWithTheTestCa) {
    http_client c(ioc_.get_executor(), {.ca_file = ca_.ca_file().string()});
    const auto r = test::run(ioc_, c.perform(post(srv_.url("/tls"))));
    ASSERT_EQ(r.failure, http_failure::none) << r.error;
    EXPECT_EQ(r.status, 200);
    ASSERT_EQ(srv_.requests().size(), 1u);
}

TEST_F(HttpClientTlsTest, UnknownCaIsNotSent) {
    http_client c(ioc_.get_executor(), {.ca_file = ca_.other_ca_file().string()});
    const auto r = test::run(ioc_, c.perform(post(srv_.url("/tls"))));
    EXPECT_EQ(r.failure, http_failure::not_sent) << r.error;
    EXPECT_TRUE(srv_.requests().empty());
}

TEST_F(HttpClientTlsTest, SystemCasDoNotTrustTheTestCa) {
    http_client c(ioc_.get_executor(), {});
    const auto r = test::run(ioc_, c.perform(post(srv_.url("/tls"))));
    EXPECT_EQ(r.failure, http_failure::not_sent) << r.error;
}

}  // namespace
}  // namespace herald::sms
