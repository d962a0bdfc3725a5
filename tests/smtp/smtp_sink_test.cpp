// The pool and sessions against Postfix's smtp-sink on 127.0.0.1: many
// messages over few connections (the sink counts sessions and messages),
// pipelining on and off, and 4xx / 5xx / disconnects injected per command
// (smtp-sink -r, -f, -q, -Q, -W), each mapped to its outcome and scope.
#include "core/event.hpp"
#include "smtp/pool.hpp"
#include "tests/smtp/pool_fixture.hpp"
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

namespace herald::smtp {
namespace {

using namespace std::chrono_literals;
using test::smtp_sink;

const std::string body = "From: a@example.com\r\nSubject: sink\r\n\r\n.dot\r\nhello\r\n";

asio::awaitable<void> send_into(pool& p, destination d, envelope env, std::string_view data,
                                send_result& out) {
    auto r = co_await p.send(std::move(d), std::move(env), data);
    out = std::move(r);
}

// `n` sends at once through `p`, then close(): results in spawn order.
asio::awaitable<std::vector<send_result>> send_many(pool& p, destination d, envelope env,
                                                    std::string_view data, int n) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<send_result> results(static_cast<std::size_t>(n));
    int done = 0;
    event finished(ex);
    for (auto& r : results)
        asio::co_spawn(ex, send_into(p, d, env, data, r), [&](std::exception_ptr) {
            if (++done == n) finished.notify_all();
        });
    while (done < n)
        co_await finished.wait_for(1s);
    co_await p.close();
    co_return results;
}

// One message after another on the same pool, then close().
asio::awaitable<std::vector<send_result>> send_in_turn(pool& p, destination d, envelope env,
                                                       std::string_view data, int n) {
    std::vector<send_result> results;
    for (int i = 0; i < n; ++i) {
        auto r = co_await p.send(d, env, data);
        results.push_back(std::move(r));
    }
    co_await p.close();
    co_return results;
}

class SinkTest : public pool_fixture {
protected:
    static pool_options options() {
        auto o = test_options();
        o.max_messages_per_connection = 50;
        o.wait_timeout = 20s;
        return o;
    }
    static destination at(const smtp_sink& s) { return loopback("sink.herald.test", s.port()); }
    std::vector<send_result> in_turn(const smtp_sink& s, pool& p, int n,
                                     envelope env = {"s@example.com", {"r@example.net"}}) {
        return test::run(ioc_, send_in_turn(p, at(s), std::move(env), body, n));
    }
};

// ---- reuse ----------------------------------------------------------------------

TEST_F(SinkTest, ManyMessagesOverFewConnectionsWithAndWithoutPipelining) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        smtp_sink sink;
        auto o = options();
        o.session.pipelining = pipelining;
        auto p = make_pool(o);
        auto results = test::run(
            ioc_, send_many(*p, at(sink), {"s@example.com", {"r@example.net"}}, body, 200));
        int delivered = 0;
        for (const auto& r : results)
            delivered += r.kind == outcome_kind::delivered;
        EXPECT_EQ(delivered, 200);
        // 50 messages per connection: 4 connections, or 5 when one reaches
        // its limit while the other is busy and a waiting send opens a new
        // one near the end; never more.
        const auto st = p->stats();
        EXPECT_GE(st.connections_opened, 4u);
        EXPECT_LE(st.connections_opened, 5u);
        EXPECT_EQ(st.reuses + st.connections_opened, 200u);  // no RSET failed
        EXPECT_EQ(st.transactions, 200u);
        EXPECT_EQ(st.open, 0u);
        const int opened = static_cast<int>(st.connections_opened);
        const auto c = sink.wait_sessions(opened, 5s);
        EXPECT_EQ(c.sessions, opened);
        EXPECT_EQ(c.quits, opened);
        EXPECT_EQ(c.messages, 200);
    }
}

TEST_F(SinkTest, EnvelopeAndBodyParametersReachTheSink) {
    smtp_sink sink;
    auto p = make_pool(options());
    const std::string eight = "Subject: 8bit\r\n\r\ncaf\xc3\xa9\r\n";
    auto r = test::run(
        ioc_, send_in_turn(*p, at(sink), {"s@example.com", {"a@x.net", "b@x.net"}}, eight, 1));
    EXPECT_EQ(r[0].kind, outcome_kind::delivered);
    sink.wait_sessions(1, 5s);
    auto dumps = sink.dumps();
    ASSERT_EQ(dumps.size(), 1u);
    EXPECT_NE(dumps[0].find("X-Mail-Args: <s@example.com> BODY=8BITMIME\n"), std::string::npos)
        << dumps[0];
    EXPECT_NE(dumps[0].find("X-Rcpt-Args: <a@x.net>\nX-Rcpt-Args: <b@x.net>\n"), std::string::npos);
    EXPECT_NE(dumps[0].find("caf\xc3\xa9"), std::string::npos);
}

// ---- injected failures ----------------------------------------------------------

struct injection {
    std::vector<std::string> flags;
    outcome_kind kind;
    std::string code;
    std::optional<scope> reach;  // of the (first) recipient's failure
    bool reused;                 // did the second message reuse the connection?
};

void expect(const injection& in, const std::vector<send_result>& r, const pool_stats& st) {
    std::string flags;
    for (const auto& f : in.flags)
        flags += f + ' ';
    SCOPED_TRACE(flags);
    ASSERT_EQ(r.size(), 2u);
    for (const auto& one : r) {
        EXPECT_EQ(one.kind, in.kind) << one.detail;
        EXPECT_EQ(one.code, in.code) << one.detail;
        ASSERT_EQ(one.recipients.size(), 1u);
        if (in.reach) {
            ASSERT_TRUE(one.recipients[0].why);
            EXPECT_EQ(one.recipients[0].why->reach, *in.reach) << one.detail;
        }
    }
    EXPECT_EQ(st.reuses, in.reused ? 1u : 0u);
}

TEST_F(SinkTest, SoftAndHardRejectsPerCommand) {
    const injection table[] = {
        // 4xx (-r): deferred, scoped by the command.
        {{"-r", "EHLO"}, outcome_kind::deferred, "smtp_4xx", scope::destination, false},
        {{"-r", "MAIL"}, outcome_kind::deferred, "smtp_4xx", scope::message, true},
        {{"-r", "RCPT"}, outcome_kind::deferred, "smtp_4xx", scope::recipient, true},
        {{"-r", "DATA"}, outcome_kind::deferred, "smtp_4xx", scope::message, true},
        {{"-r", "."}, outcome_kind::deferred, "smtp_4xx", scope::message, true},
        // 5xx (-f): bounced; EHLO refused alone falls back to HELO.
        {{"-f", "EHLO"}, outcome_kind::delivered, "smtp_2xx", std::nullopt, true},
        {{"-f", "EHLO,HELO"}, outcome_kind::bounced, "smtp_5xx", scope::destination, false},
        {{"-f", "EHLO", "-r", "HELO"},
         outcome_kind::deferred,
         "smtp_4xx",
         scope::destination,
         false},
        {{"-f", "MAIL"}, outcome_kind::bounced, "smtp_5xx", scope::message, true},
        {{"-f", "RCPT"}, outcome_kind::bounced, "smtp_5xx", scope::recipient, true},
        {{"-f", "DATA"}, outcome_kind::bounced, "smtp_5xx", scope::message, true},
        {{"-f", "."}, outcome_kind::bounced, "smtp_5xx", scope::message, true},
        // 421 (-Q) closes the connection: deferred, never reused.
        {{"-Q", "RCPT"}, outcome_kind::deferred, "smtp_4xx", scope::connection, false},
        {{"-Q", "."}, outcome_kind::deferred, "smtp_4xx", scope::connection, false},
    };
    for (const auto& in : table) {
        smtp_sink sink(in.flags);
        auto p = make_pool(options());
        auto r = in_turn(sink, *p, 2);
        expect(in, r, p->stats());
    }
}

TEST_F(SinkTest, DisconnectBeforeTheDotDefersAfterItIsUnknown) {
    const injection table[] = {
        {{"-q", "MAIL"}, outcome_kind::deferred, "connection_lost", scope::connection, false},
        {{"-q", "RCPT"}, outcome_kind::deferred, "connection_lost", scope::connection, false},
        {{"-q", "DATA"}, outcome_kind::deferred, "connection_lost", scope::connection, false},
        {{"-q", "."}, outcome_kind::unknown, "connection_lost", scope::connection, false},
    };
    for (const auto& in : table) {
        for (bool pipelining : {true, false}) {
            SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
            smtp_sink sink(in.flags);
            auto o = options();
            o.session.pipelining = pipelining;
            auto p = make_pool(o);
            auto r = in_turn(sink, *p, 2);
            expect(in, r, p->stats());
        }
    }
}

TEST_F(SinkTest, HangAfterTheDotIsUnknown) {
    smtp_sink sink({"-W", ".:10"});
    auto o = options();
    o.session.limits.data_done = 300ms;
    auto p = make_pool(o);
    const auto start = std::chrono::steady_clock::now();
    auto r = in_turn(sink, *p, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(r[0].kind, outcome_kind::unknown);
    EXPECT_EQ(r[0].code, "timeout");
}

TEST_F(SinkTest, AddressFailureFromTheSinkIsSuppressed) {
    smtp_sink sink({"-f", "RCPT", "-B", "550 5.1.1 Error: no such user"});
    auto p = make_pool(options());
    auto r = in_turn(sink, *p, 1, {"s@example.com", {"gone@example.net"}});
    EXPECT_EQ(r[0].kind, outcome_kind::bounced);
    EXPECT_EQ(r[0].recipients[0].status, "5.1.1");
    EXPECT_EQ(r[0].suppressed_recipients(), std::vector<std::string>{"gone@example.net"});
}

}  // namespace
}  // namespace herald::smtp
