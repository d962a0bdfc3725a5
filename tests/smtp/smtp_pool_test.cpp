// The pool's life cycle against the capturing aiosmtpd server: reuse after
// RSET, idle connections QUIT after idle_timeout, a connection the peer
// dropped while idle replaced without a deferral, failed connections never
// reused, the connection and per-connection message limits, waiting for a
// free connection, and close().
#include "core/event.hpp"
#include "smtp/pool.hpp"
#include "tests/smtp/pool_fixture.hpp"
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

namespace herald::smtp {
namespace {

using namespace std::chrono_literals;
using test::capture_server;

const std::string body = "Subject: pool\r\n\r\nhello\r\n";
const envelope env{"s@example.com", {"r@example.net"}};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer t(ex, d);
    co_await t.async_wait(asio::use_awaitable);
}

// A script of sends and pauses run on one pool: each step is a send (0)
// or a pause of that many milliseconds.
asio::awaitable<std::vector<send_result>> script(pool& p, destination d, std::vector<int> steps,
                                                 bool close = true) {
    std::vector<send_result> out;
    for (int step : steps) {
        if (step > 0) {
            co_await pause(std::chrono::milliseconds(step));
            continue;
        }
        auto r = co_await p.send(d, env, body);
        out.push_back(std::move(r));
    }
    if (close) co_await p.close();
    co_return out;
}

asio::awaitable<void> send_into(pool& p, destination d, send_result& out) {
    auto r = co_await p.send(std::move(d), env, body);
    out = std::move(r);
}

asio::awaitable<std::vector<send_result>> concurrently(pool& p, destination d, int n) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<send_result> results(static_cast<std::size_t>(n));
    int done = 0;
    event finished(ex);
    for (auto& r : results)
        asio::co_spawn(ex, send_into(p, d, r), [&](std::exception_ptr) {
            if (++done == n) finished.notify_all();
        });
    while (done < n)
        co_await finished.wait_for(1s);
    co_await p.close();
    co_return results;
}

class PoolTest : public pool_fixture {
protected:
    static pool_options options() { return test_options(); }
    static destination at(const capture_server& s) {
        return loopback("capture.herald.test", s.port());
    }
    std::vector<send_result> run(pool& p, const capture_server& s, std::vector<int> steps,
                                 bool close = true) {
        return test::run(ioc_, script(p, at(s), std::move(steps), close));
    }
    static void all_delivered(const std::vector<send_result>& rs) {
        for (const auto& r : rs)
            EXPECT_EQ(r.kind, outcome_kind::delivered) << r.detail;
    }
};

TEST_F(PoolTest, ReusesOneConnectionAfterRset) {
    capture_server srv;
    auto p = make_pool(options());
    auto rs = run(*p, srv, {0, 0, 0});
    all_delivered(rs);
    EXPECT_EQ(p->stats().connections_opened, 1u);
    EXPECT_EQ(p->stats().reuses, 2u);
    EXPECT_EQ(srv.state_value("connections"), 1);
    EXPECT_EQ(srv.state_value("quits"), 1);  // close() QUITs the idle connection
    EXPECT_EQ(srv.messages().size(), 3u);
}

TEST_F(PoolTest, IdleConnectionsAreQuitAfterTheIdleTimeout) {
    capture_server srv;
    auto o = options();
    o.idle_timeout = 200ms;
    auto p = make_pool(o);
    auto rs = run(*p, srv, {0, 700}, false);
    all_delivered(rs);
    EXPECT_EQ(p->stats().open, 0u);
    EXPECT_EQ(p->stats().idle, 0u);
    EXPECT_EQ(srv.state_value("quits"), 1);
    EXPECT_EQ(srv.state_value("open"), 0);
    rs = run(*p, srv, {0});
    all_delivered(rs);
    EXPECT_EQ(srv.state_value("connections"), 2);
    EXPECT_EQ(p->stats().reuses, 0u);
}

TEST_F(PoolTest, AConnectionDroppedWhileIdleIsReplacedWithoutADeferral) {
    capture_server srv({"--idle-timeout", "0.3"});
    auto p = make_pool(options());
    auto rs = run(*p, srv, {0, 800, 0});
    all_delivered(rs);
    EXPECT_EQ(p->stats().reuses, 1u);  // taken, RSET failed, dropped
    EXPECT_EQ(p->stats().connections_opened, 2u);
    EXPECT_EQ(srv.state_value("connections"), 2);
    EXPECT_EQ(srv.messages().size(), 2u);
}

TEST_F(PoolTest, AFailedConnectionIsNeverReused) {
    capture_server srv({"--close-at-data"});
    auto p = make_pool(options());
    auto rs = run(*p, srv, {0, 0});
    for (const auto& r : rs)
        EXPECT_EQ(r.kind, outcome_kind::deferred);
    EXPECT_EQ(p->stats().connections_opened, 2u);
    EXPECT_EQ(p->stats().reuses, 0u);
}

TEST_F(PoolTest, RefusalsOfOneMessageKeepTheConnection) {
    capture_server srv({"--reject", "r@example.net=550 5.1.1 no such user"});
    auto p = make_pool(options());
    auto rs = run(*p, srv, {0, 0});
    for (const auto& r : rs)
        EXPECT_EQ(r.kind, outcome_kind::bounced);
    EXPECT_EQ(p->stats().connections_opened, 1u);
    EXPECT_EQ(p->stats().reuses, 1u);
}

TEST_F(PoolTest, ConnectionsPerDestinationAreBounded) {
    capture_server srv;
    auto o = options();
    o.max_connections = 3;
    auto p = make_pool(o);
    auto rs = test::run(ioc_, concurrently(*p, at(srv), 24));
    all_delivered(rs);
    EXPECT_EQ(srv.state_value("max_open"), 3);
    EXPECT_EQ(p->stats().connections_opened, 3u);
    EXPECT_EQ(srv.messages().size(), 24u);
}

TEST_F(PoolTest, MessagesPerConnectionAreBounded) {
    capture_server srv;
    auto o = options();
    o.max_messages_per_connection = 2;
    auto p = make_pool(o);
    auto rs = run(*p, srv, {0, 0, 0, 0, 0});
    all_delivered(rs);
    EXPECT_EQ(srv.state_value("connections"), 3);
    EXPECT_EQ(srv.state_value("quits"), 3);
}

TEST_F(PoolTest, NoFreeConnectionInTimeIsDeferred) {
    capture_server srv({"--hang-after-dot"});
    auto o = options();
    o.max_connections = 1;
    o.wait_timeout = 200ms;
    o.session.limits.data_done = 1s;
    auto p = make_pool(o);
    auto rs = test::run(ioc_, concurrently(*p, at(srv), 2));
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].kind, outcome_kind::unknown);
    EXPECT_EQ(rs[1].kind, outcome_kind::deferred);
    EXPECT_EQ(rs[1].code, "pool_timeout");
}

TEST_F(PoolTest, ConnectFailureDefersEveryRecipient) {
    auto p = make_pool(options());
    destination nowhere{"nowhere", asio::ip::make_address("127.0.0.1"), 1};
    envelope two{"s@example.com", {"a@example.net", "b@example.net"}};
    auto r = test::run(ioc_, p->send(nowhere, two, body));
    EXPECT_EQ(r.kind, outcome_kind::deferred);
    EXPECT_EQ(r.code, "connect_failed");
    EXPECT_EQ(r.retry_recipients().size(), 2u);
    EXPECT_EQ(p->stats().connections_failed, 1u);
    EXPECT_EQ(p->stats().open, 0u);
}

TEST_F(PoolTest, SendAfterCloseIsPoolClosed) {
    capture_server srv;
    auto p = make_pool(options());
    run(*p, srv, {0});
    auto r = test::run(ioc_, p->send(at(srv), env, body));
    EXPECT_EQ(r.kind, outcome_kind::deferred);
    EXPECT_EQ(r.code, "pool_closed");
}

TEST_F(PoolTest, BadCaFileFailsAtCreation) {
    auto o = options();
    o.session.tls = {tls_mode::required, true, "/nonexistent/ca.pem"};
    auto p = pool::create(ioc_.get_executor(), o);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().name(), "invalid_argument");
}

}  // namespace
}  // namespace herald::smtp
