// The resolver against a real dnsmasq on loopback: every record type,
// NXDOMAIN versus NODATA, TXT joining, TCP fallback, many queries at once;
// and against misbehaving servers: silence, closed ports, SERVFAIL,
// REFUSED, malformed answers, and stopping with queries in flight.
#include "dns/resolver.hpp"
#include "dns/errors.hpp"
#include "dns/gather.hpp"
#include "tests/dns/dnsmasq.hpp"
#include "tests/dns/fake_dns.hpp"
#include "tests/dns/test_zone.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <optional>

namespace herald::dns {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using addresses = result<std::vector<asio::ip::address>>;
using steady = std::chrono::steady_clock;

asio::ip::address ip(const char* s) {
    return asio::ip::make_address(s);
}

// One dnsmasq for the whole suite: starting it costs more than the tests.
class resolver_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new test::dnsmasq(test::test_zone()); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    resolver_options opts() const { return {.servers = {server_->server()}, .timeout = 500ms}; }

    template <class T>
    T run(asio::awaitable<T> co) {
        return test::run(ioc, std::move(co), 20s);
    }

    static test::dnsmasq* server_;
    asio::io_context ioc;
};

test::dnsmasq* resolver_test::server_ = nullptr;

TEST_F(resolver_test, mx_returns_every_record) {
    resolver r(ioc.get_executor(), opts());
    auto mx = run(r.mx("ex.test"));
    ASSERT_TRUE(mx) << mx.error().to_string();
    ASSERT_EQ(mx->size(), 3u);
    std::sort(mx->begin(), mx->end(),
              [](const auto& a, const auto& b) { return a.preference < b.preference; });
    EXPECT_EQ((*mx)[0].preference, 10);
    EXPECT_EQ((*mx)[0].host, "mx1.ex.test");
    EXPECT_EQ((*mx)[1].host, "mx2.ex.test");
    EXPECT_EQ((*mx)[2].host, "mx3.ex.test");
}

TEST_F(resolver_test, a_and_aaaa) {
    resolver r(ioc.get_executor(), opts());
    auto v4 = run(r.a("mx2.ex.test"));
    ASSERT_TRUE(v4) << v4.error().to_string();
    EXPECT_EQ(*v4, std::vector{ip("127.0.0.2")});
    auto v6 = run(r.aaaa("mx2.ex.test."));  // a final dot is fine
    ASSERT_TRUE(v6) << v6.error().to_string();
    EXPECT_EQ(*v6, std::vector{ip("::1")});
}

TEST_F(resolver_test, null_mx_target_is_the_root) {
    resolver r(ioc.get_executor(), opts());
    auto mx = run(r.mx("nullmx.test"));
    ASSERT_TRUE(mx) << mx.error().to_string();
    ASSERT_EQ(mx->size(), 1u);
    EXPECT_EQ(mx->front().preference, 0);
    EXPECT_EQ(mx->front().host, ".");
}

TEST_F(resolver_test, nxdomain_and_nodata_are_distinct) {
    resolver r(ioc.get_executor(), opts());
    auto missing = run(r.mx("nosuch.test"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, dns_errc::nxdomain);
    EXPECT_EQ(missing.error().name(), "dns_nxdomain");
    EXPECT_NE(missing.error().detail.find("MX nosuch.test"), std::string::npos);

    auto no_mx = run(r.mx("nomx.test"));
    ASSERT_FALSE(no_mx);
    EXPECT_EQ(no_mx.error().code, dns_errc::nodata);
    EXPECT_EQ(no_mx.error().name(), "dns_nodata");

    auto no_a = run(r.a("onlytxt.test"));
    ASSERT_FALSE(no_a);
    EXPECT_EQ(no_a.error().code, dns_errc::nodata);
    EXPECT_TRUE(is_negative(no_a.error().code));
    EXPECT_FALSE(is_transient(no_a.error().code));
}

TEST_F(resolver_test, txt_joins_character_strings_per_record) {
    resolver r(ioc.get_executor(), opts());
    auto txt = run(r.txt("txt.test"));
    ASSERT_TRUE(txt) << txt.error().to_string();
    std::sort(txt->begin(), txt->end());
    EXPECT_EQ(*txt, (std::vector<std::string>{"second", "v=spf1 include:_spf.ex.test -all"}));
}

TEST_F(resolver_test, large_txt_comes_over_tcp) {
    resolver r(ioc.get_executor(), opts());
    auto txt = run(r.txt("long.test"));
    ASSERT_TRUE(txt) << txt.error().to_string();
    ASSERT_EQ(txt->size(), 1u);
    std::string want;
    for (int i = 0; i < 20; ++i)
        want += std::string(200, static_cast<char>('a' + i));
    EXPECT_EQ(txt->front(), want);
}

TEST_F(resolver_test, bad_names_are_refused_before_sending) {
    resolver r(ioc.get_executor(), opts());
    for (const std::string& bad :
         std::vector<std::string>{"", ".", "a..b", "exa mple.test", "bücher.test", "a\\.test",
                                  std::string(64, 'a') + ".test", std::string(254, 'a')}) {
        auto res = run(r.a(bad));
        ASSERT_FALSE(res) << bad;
        EXPECT_EQ(res.error().code, dns_errc::bad_name) << bad;
    }
    EXPECT_EQ(r.outstanding(), 0u);
}

TEST_F(resolver_test, many_concurrent_queries_all_answered) {
    resolver r(ioc.get_executor(), opts());
    constexpr int n = 200;
    auto answers = run([&]() -> asio::awaitable<std::vector<addresses>> {
        std::vector<asio::awaitable<addresses>> qs;
        for (int i = 0; i < n; ++i)
            qs.push_back(r.a("q" + std::to_string(i) + ".many.test"));
        auto all = co_await gather(std::move(qs));
        co_return all;
    }());
    ASSERT_EQ(answers.size(), static_cast<std::size_t>(n));
    for (const auto& a : answers) {
        ASSERT_TRUE(a) << a.error().to_string();
        EXPECT_EQ(*a, std::vector{ip("127.0.0.9")});
    }
    EXPECT_EQ(r.outstanding(), 0u);
}

TEST_F(resolver_test, falls_over_to_the_next_server) {
    test::fake_dns silent(ioc, test::fake_dns::mode::silent);
    resolver r(ioc.get_executor(),
               {.servers = {silent.server(), server_->server()}, .timeout = 100ms, .tries = 2});
    auto v4 = run(r.a("mx1.ex.test"));
    ASSERT_TRUE(v4) << v4.error().to_string();
    EXPECT_EQ(*v4, std::vector{ip("127.0.0.1")});
}

// ---- failures ---------------------------------------------------------------

TEST_F(resolver_test, silent_server_times_out) {
    test::fake_dns silent(ioc, test::fake_dns::mode::silent);
    resolver r(ioc.get_executor(), {.servers = {silent.server()}, .timeout = 100ms, .tries = 2});
    auto start = steady::now();
    auto res = run(r.mx("ex.test"));
    auto took = steady::now() - start;
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, dns_errc::timeout);
    EXPECT_EQ(res.error().name(), "dns_timeout");
    EXPECT_TRUE(is_transient(res.error().code));
    // 100 ms, then 200 ms: the timer, not a hang, ended it.
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
}

TEST_F(resolver_test, closed_port_is_unreachable) {
    resolver r(ioc.get_executor(), {.servers = {"127.0.0.1:" + std::to_string(test::closed_port())},
                                    .timeout = 300ms,
                                    .tries = 2});
    auto start = steady::now();
    auto res = run(r.a("ex.test"));
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, dns_errc::unreachable) << res.error().to_string();
    EXPECT_LT(steady::now() - start, 3s);
}

TEST_F(resolver_test, servfail_refused_and_malformed_answers) {
    test::fake_dns servfail(ioc, test::fake_dns::mode::rcode, 2);
    test::fake_dns garbage(ioc, test::fake_dns::mode::garbage);
    resolver sf(ioc.get_executor(), {.servers = {servfail.server()}, .timeout = 200ms, .tries = 2});
    auto r1 = run(sf.a("ex.test"));
    ASSERT_FALSE(r1);
    EXPECT_EQ(r1.error().code, dns_errc::servfail) << r1.error().to_string();
    EXPECT_EQ(servfail.queries(), 1u);  // an answer, however bad, is final

    // dnsmasq refuses names outside its zone, having nowhere to forward.
    resolver rf(ioc.get_executor(), opts());
    auto r2 = run(rf.a("example.org"));
    ASSERT_FALSE(r2);
    EXPECT_EQ(r2.error().code, dns_errc::refused) << r2.error().to_string();

    resolver bad(ioc.get_executor(), {.servers = {garbage.server()}, .timeout = 200ms, .tries = 1});
    auto r3 = run(bad.a("ex.test"));
    ASSERT_FALSE(r3);
    EXPECT_EQ(r3.error().code, dns_errc::bad_response) << r3.error().to_string();
}

TEST_F(resolver_test, stop_completes_queries_in_flight) {
    test::fake_dns silent(ioc, test::fake_dns::mode::silent);
    resolver r(ioc.get_executor(), {.servers = {silent.server()}, .timeout = 5000ms, .tries = 3});
    auto start = steady::now();
    auto res = run([&]() -> asio::awaitable<std::vector<addresses>> {
        auto ex = co_await asio::this_coro::executor;
        std::vector<std::optional<addresses>> out(3);
        for (std::size_t i = 0; i < out.size(); ++i)
            asio::co_spawn(ex, r.a("q" + std::to_string(i) + ".test"),
                           [&out, i](std::exception_ptr, addresses a) { out[i] = std::move(a); });
        asio::steady_timer t(ex, 50ms);
        co_await t.async_wait(asio::use_awaitable);
        EXPECT_EQ(r.outstanding(), 3u);
        r.stop();
        while (std::any_of(out.begin(), out.end(), [](const auto& o) { return !o; })) {
            t.expires_after(1ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        std::vector<addresses> done;
        for (auto& o : out)
            done.push_back(std::move(*o));
        auto after = co_await r.a("after.test");  // refused at once
        done.push_back(std::move(after));
        co_return done;
    }());
    EXPECT_LT(steady::now() - start, 2s);
    for (const auto& a : res) {
        ASSERT_FALSE(a);
        EXPECT_EQ(a.error().code, dns_errc::cancelled) << a.error().to_string();
    }
}

TEST_F(resolver_test, destroying_the_resolver_completes_queries) {
    test::fake_dns silent(ioc, test::fake_dns::mode::silent);
    auto r = std::make_unique<resolver>(ioc.get_executor(),
                                        resolver_options{.servers = {silent.server()}});
    auto res = run([&]() -> asio::awaitable<addresses> {
        auto ex = co_await asio::this_coro::executor;
        std::optional<addresses> out;
        asio::co_spawn(ex, r->a("x.test"), [&](std::exception_ptr, addresses a) { out = a; });
        asio::steady_timer t(ex, 20ms);
        co_await t.async_wait(asio::use_awaitable);
        r.reset();
        while (!out) {
            t.expires_after(1ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        co_return *out;
    }());
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, dns_errc::cancelled);
}

TEST_F(resolver_test, invalid_options_fail_at_construction) {
    EXPECT_THROW(resolver(ioc.get_executor(), {.servers = {"not-an-ip"}}), std::runtime_error);
    EXPECT_THROW(resolver(ioc.get_executor(), {.timeout = 0ms}), std::runtime_error);
}

}  // namespace
}  // namespace herald::dns
