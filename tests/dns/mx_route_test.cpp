// Direct-mode routing against a real dnsmasq: preference order, shuffled
// equal preferences, implicit MX, null MX, dangling hosts, the loop guard
// (loopback and private targets refused unless allowed), and DNS failures
// mapped to bounce or defer.
#include "dns/mx_route.hpp"
#include "dns/errors.hpp"
#include "tests/dns/dnsmasq.hpp"
#include "tests/dns/fake_dns.hpp"
#include "tests/dns/test_zone.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

#include <set>

namespace herald::dns {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using targets = result<std::vector<mx_target>>;

class mx_route_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new test::dnsmasq(test::test_zone()); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    targets route(const std::string& domain, route_options opt = {.allow_private = true},
                  std::uint64_t seed = 1) {
        mx_router router(resolver_, opt, seed);
        return test::run(ioc, router.route(domain), 20s);
    }

    static std::vector<std::string> addresses(const std::vector<mx_target>& ts) {
        std::vector<std::string> out;
        for (const auto& t : ts)
            out.push_back(t.address.to_string());
        return out;
    }

    static test::dnsmasq* server_;
    asio::io_context ioc;
    resolver resolver_{ioc.get_executor(), {.servers = {server_->server()}, .timeout = 500ms}};
};

test::dnsmasq* mx_route_test::server_ = nullptr;

TEST_F(mx_route_test, orders_hosts_by_preference) {
    auto r = route("ex.test");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(addresses(*r),
              (std::vector<std::string>{"127.0.0.1", "127.0.0.2", "::1", "127.0.0.3"}));
    EXPECT_EQ((*r)[0].host, "mx1.ex.test");
    EXPECT_EQ((*r)[0].preference, 10);
    EXPECT_EQ((*r)[1].host, "mx2.ex.test");
    EXPECT_EQ((*r)[2].host, "mx2.ex.test");
    EXPECT_EQ((*r)[3].host, "mx3.ex.test");
    EXPECT_FALSE((*r)[0].implicit);
}

TEST_F(mx_route_test, ipv6_first_or_only_when_asked) {
    auto v6first = route("ex.test", {.allow_private = true, .prefer_ipv6 = true});
    ASSERT_TRUE(v6first) << v6first.error().to_string();
    EXPECT_EQ(addresses(*v6first),
              (std::vector<std::string>{"127.0.0.1", "::1", "127.0.0.2", "127.0.0.3"}));
    auto v4only = route("ex.test", {.allow_private = true, .ipv6 = false});
    ASSERT_TRUE(v4only) << v4only.error().to_string();
    EXPECT_EQ(addresses(*v4only),
              (std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3"}));
}

TEST_F(mx_route_test, equal_preferences_are_shuffled) {
    std::set<std::string> firsts;
    for (std::uint64_t seed = 0; seed < 32; ++seed) {
        auto r = route("eq.test", {.allow_private = true}, seed);
        ASSERT_TRUE(r) << r.error().to_string();
        ASSERT_EQ(r->size(), 3u);
        firsts.insert((*r)[0].host);
        EXPECT_EQ((*r)[2].host, "c.eq.test");  // the worse preference stays last
        EXPECT_EQ((*r)[0].preference, 10);
    }
    EXPECT_EQ(firsts, (std::set<std::string>{"a.eq.test", "b.eq.test"}));
}

TEST_F(mx_route_test, no_mx_falls_back_to_the_domains_addresses) {
    auto r = route("nomx.test");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(addresses(*r), (std::vector<std::string>{"127.0.0.5", "::1"}));
    for (const auto& t : *r) {
        EXPECT_EQ(t.host, "nomx.test");
        EXPECT_TRUE(t.implicit);
    }
}

TEST_F(mx_route_test, null_mx_bounces) {
    auto r = route("nullmx.test");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, route_errc::null_mx);
    EXPECT_TRUE(is_permanent(route_errc::null_mx));
    EXPECT_NE(r.error().detail.find("RFC 7505"), std::string::npos);
}

TEST_F(mx_route_test, missing_domains_bounce) {
    auto nx = route("nosuch.test");
    ASSERT_FALSE(nx);
    EXPECT_EQ(nx.error().code, route_errc::no_route_permanent);
    EXPECT_NE(nx.error().detail.find("dns_nxdomain"), std::string::npos) << nx.error().detail;

    auto nothing = route("onlytxt.test");  // exists, but no MX and no address
    ASSERT_FALSE(nothing);
    EXPECT_EQ(nothing.error().code, route_errc::no_route_permanent);
    EXPECT_NE(nothing.error().detail.find("no MX and no address"), std::string::npos);

    auto bad = route("bad..name");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, route_errc::no_route_permanent);
}

TEST_F(mx_route_test, hosts_without_addresses_are_skipped) {
    auto r = route("dangling.test");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(addresses(*r), std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ((*r)[0].host, "mx1.ex.test");
    EXPECT_EQ((*r)[0].preference, 20);

    auto none = route("allgone.test");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, route_errc::no_route_permanent);
    EXPECT_NE(none.error().detail.find("no MX host has an address"), std::string::npos);
}

TEST_F(mx_route_test, duplicate_hosts_and_addresses_are_tried_once) {
    auto r = route("dup.test");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(addresses(*r), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(mx_route_test, loopback_and_private_targets_are_refused_by_default) {
    for (const char* domain : {"loop.test", "priv.test", "ex.test", "nomx.test"}) {
        auto r = route(domain, {});
        ASSERT_FALSE(r) << domain;
        EXPECT_EQ(r.error().code, route_errc::loop_refused) << r.error().to_string();
        EXPECT_TRUE(is_permanent(route_errc::loop_refused));
    }
    auto r = route("loop.test", {});
    EXPECT_NE(r.error().detail.find("127.0.0.1 (loopback)"), std::string::npos) << r.error().detail;
}

TEST_F(mx_route_test, allow_private_reaches_them) {
    auto loop = route("loop.test", {.allow_private = true});
    ASSERT_TRUE(loop) << loop.error().to_string();
    EXPECT_EQ(addresses(*loop), std::vector<std::string>{"127.0.0.1"});
    auto priv = route("priv.test", {.allow_private = true});
    ASSERT_TRUE(priv) << priv.error().to_string();
    EXPECT_EQ(addresses(*priv), (std::vector<std::string>{"10.1.2.3", "fd00::25"}));
}

TEST_F(mx_route_test, private_hosts_are_dropped_beside_global_ones) {
    auto r = route("mixed.test", {});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(addresses(*r), std::vector<std::string>{"93.184.216.34"});
    EXPECT_EQ((*r)[0].host, "mx.pub.test");
}

TEST_F(mx_route_test, limits_bound_hosts_and_targets) {
    auto hosts = route("ex.test", {.allow_private = true, .max_mx_hosts = 1});
    ASSERT_TRUE(hosts) << hosts.error().to_string();
    EXPECT_EQ(addresses(*hosts), std::vector<std::string>{"127.0.0.1"});
    auto two = route("ex.test", {.allow_private = true, .max_targets = 2});
    ASSERT_TRUE(two) << two.error().to_string();
    EXPECT_EQ(addresses(*two), (std::vector<std::string>{"127.0.0.1", "127.0.0.2"}));
    EXPECT_THROW(mx_router(resolver_, {.ipv4 = false, .ipv6 = false}), std::invalid_argument);
}

// ---- DNS failures: defer ------------------------------------------------------

TEST_F(mx_route_test, timeouts_and_servfail_defer) {
    test::fake_dns silent(ioc, test::fake_dns::mode::silent);
    test::fake_dns servfail(ioc, test::fake_dns::mode::rcode, 2);
    for (const auto* server : {&silent, &servfail}) {
        resolver r(ioc.get_executor(),
                   {.servers = {server->server()}, .timeout = 100ms, .tries = 2});
        mx_router router(r, {.allow_private = true});
        auto res = test::run(ioc, router.route("ex.test"), 10s);
        ASSERT_FALSE(res);
        EXPECT_EQ(res.error().code, route_errc::no_route_temporary) << res.error().to_string();
        EXPECT_FALSE(is_permanent(route_errc::no_route_temporary));
    }
}

}  // namespace
}  // namespace herald::dns
