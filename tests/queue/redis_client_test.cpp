// The Redis client against a real redis-server: commands, pipelining,
// error replies, timeouts, and reconnecting after the server restarts.
#include "queue/redis_client.hpp"
#include "queue/errors.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

namespace herald {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct redis_client_test : ::testing::Test {
    test::redis_server server;
    asio::io_context ioc;
    redis::client client{ioc.get_executor(), *redis::endpoint::parse(server.url()),
                         redis::client_options{1000ms, 500ms, 20ms, 200ms}};
    void SetUp() override { client.start(); }
};

TEST_F(redis_client_test, exec_round_trip_and_binary_values) {
    const std::string binary("a\0b\r\n\xff", 6);
    auto r = test::run(ioc, [&]() -> asio::awaitable<result<redis::reply>> {
        auto set = co_await client.exec(redis::cmd("SET", "k", binary));
        EXPECT_TRUE(set);
        co_return co_await client.exec(redis::cmd("GET", "k"));
    }());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->str, binary);
}

TEST_F(redis_client_test, pipeline_keeps_order_and_reports_errors_per_command) {
    auto r = test::run(
        ioc, client.pipeline({{"INCR", "n"}, {"INCR", "n"}, {"LPUSH", "n", "x"}, {"INCR", "n"}}));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 4u);
    EXPECT_EQ((*r)[0].integer, 1);
    EXPECT_EQ((*r)[1].integer, 2);
    EXPECT_TRUE((*r)[2].is_error());  // WRONGTYPE: a value, not a failure of the batch
    EXPECT_EQ((*r)[3].integer, 3);
}

TEST_F(redis_client_test, exec_turns_error_reply_into_error) {
    auto r = test::run(ioc, client.exec({"NOSUCHCOMMAND"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "redis_error");
    EXPECT_NE(r.error().detail.find("unknown command"), std::string::npos);
}

TEST_F(redis_client_test, concurrent_coroutines_share_one_connection) {
    auto total = test::run(ioc, [&]() -> asio::awaitable<int> {
        int done = 0;
        auto one = [&]() -> asio::awaitable<void> {
            auto r = co_await client.exec(redis::cmd("INCR", "c"));
            if (r) ++done;
        };
        for (int i = 0; i < 100; ++i)
            asio::co_spawn(ioc, one(), asio::detached);
        while (done < 100) {
            asio::steady_timer t(ioc, 5ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        co_return done;
    }());
    EXPECT_EQ(total, 100);
    EXPECT_EQ(server.cmd({"GET", "c"}).str, "100");
}

TEST_F(redis_client_test, timeout_fails_the_command_and_the_client_recovers) {
    // BLPOP on an empty list holds the reply for 3 s, past the 1 s deadline.
    auto r = test::run(ioc, client.exec({"BLPOP", "empty", "3"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "redis_timeout");
    auto again = test::run(ioc, client.exec({"PING"}));
    EXPECT_TRUE(again) << again.error().to_string();
}

TEST_F(redis_client_test, reconnects_after_restart_without_losing_acknowledged_writes) {
    ASSERT_TRUE(test::run(ioc, client.exec({"SET", "before", "1"})));
    server.stop();
    auto down = test::run(ioc, client.exec({"PING"}));
    EXPECT_FALSE(down);
    server.start();
    auto r = test::run(ioc, client.exec({"GET", "before"}));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->str, "1");
    EXPECT_GE(client.reconnects(), 1u);
}

TEST_F(redis_client_test, waits_for_the_connection_up_to_the_deadline) {
    server.stop();
    auto r = test::run(ioc, client.exec({"PING"}));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().name() == "redis_unavailable" ||
                r.error().name() == "redis_connection_lost")
        << r.error().name();
    server.start();
}

TEST(redis_endpoint, parses_urls_and_refuses_bad_ones) {
    auto ep = redis::endpoint::parse("redis://user:secret@10.1.2.3:6380/2");
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->host, "10.1.2.3");
    EXPECT_EQ(ep->port, 6380);
    EXPECT_EQ(ep->user, "user");
    EXPECT_EQ(ep->password, "secret");
    EXPECT_EQ(ep->db, 2);
    EXPECT_EQ(ep->str().find("secret"), std::string::npos);
    EXPECT_FALSE(redis::endpoint::parse("http://x"));
    EXPECT_FALSE(redis::endpoint::parse("redis://host:notaport"));
    EXPECT_FALSE(redis::endpoint::parse("redis://:6379"));
    EXPECT_FALSE(redis::endpoint::parse("redis://host/x"));
}

}  // namespace
}  // namespace herald
