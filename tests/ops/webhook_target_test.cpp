// Endpoint checks with DNS: names resolved by herald's c-ares resolver
// against a real DNS server; every address a name has must be public
// unless private targets are allowed; the checked address is the pin; a
// name that later resolves elsewhere (rebinding) is refused at the next
// check.
#include "ops/webhook_target.hpp"
#include "ops/webhook_errors.hpp"
#include "tests/support/dns_server.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

namespace herald::ops {
namespace {

struct webhook_target_test : ::testing::Test {
    test::dns_server dns{{
        {"loop.test", "A", {"127.0.0.1"}},
        {"intranet.test", "A", {"10.0.0.5"}},
        {"mixed.test", "A", {"8.8.8.8", "192.168.1.1"}},
        {"public.test", "A", {"8.8.8.8"}},
        {"public.test", "AAAA", {"2001:4860:4860::8888"}},
        {"v6only.test", "AAAA", {"fe80::1"}},
        {"nodata.test", "TXT", {"x"}},
    }};
    boost::asio::io_context ioc;
    dns::resolver resolver{
        ioc.get_executor(),
        {.servers = {dns.server()}, .timeout = std::chrono::milliseconds(300), .tries = 2}};

    result<pinned_target> check(const std::string& url, webhook_policy p) {
        return test::run(ioc, check_webhook_target(resolver, url, p));
    }
};

TEST_F(webhook_target_test, a_name_with_a_private_or_loopback_address_is_refused_unless_allowed) {
    for (const char* url : {"https://loop.test/h", "https://intranet.test/h",
                            "https://mixed.test/h", "https://v6only.test/h"}) {
        auto r = check(url, {});
        ASSERT_FALSE(r) << url;
        EXPECT_EQ(r.error().name(), "address_refused") << url << ": " << r.error().to_string();
        EXPECT_EQ(r.error().field, "url");
        EXPECT_EQ(r.error().http_status(), 400);
    }
    auto loop = check("https://loop.test/h", {});
    EXPECT_NE(loop.error().detail.find("127.0.0.1 (loopback)"), std::string::npos)
        << loop.error().detail;
    auto allowed = check("http://loop.test:8080/h", {true, true});
    ASSERT_TRUE(allowed) << allowed.error().to_string();
    EXPECT_EQ(allowed->pin, "loop.test:8080:127.0.0.1");
}

TEST_F(webhook_target_test, a_public_name_is_pinned_to_its_checked_address) {
    auto r = check("https://public.test/hook", {});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->address.to_string(), "8.8.8.8");  // A first
    EXPECT_EQ(r->pin, "public.test:443:8.8.8.8");
    auto literal = check("https://[2001:4860:4860::8888]:8443/", {});
    ASSERT_TRUE(literal) << literal.error().to_string();
    EXPECT_EQ(literal->address.to_string(), "2001:4860:4860::8888");
    EXPECT_EQ(literal->pin, "");  // an address needs no lookup, so no pin
}

TEST_F(webhook_target_test, a_name_rebound_to_a_private_address_is_refused_at_the_next_check) {
    ASSERT_TRUE(check("https://public.test/hook", {}));
    dns.publish({{"public.test", "A", {"127.0.0.1"}}, {"public.test", "AAAA", {"::1"}}});
    auto r = check("https://public.test/hook", {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "address_refused");
}

TEST_F(webhook_target_test, names_without_addresses_and_failing_servers_have_their_own_codes) {
    for (const char* url : {"https://missing.test/", "https://nodata.test/"}) {
        auto r = check(url, {});
        ASSERT_FALSE(r) << url;
        EXPECT_EQ(r.error().name(), "unresolvable_host") << r.error().to_string();
        EXPECT_EQ(r.error().field, "url");
    }
    dns.servfail("broken.test");
    auto r = check("https://broken.test/", {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "dns_failed") << r.error().to_string();
    EXPECT_EQ(r.error().http_status(), 503);
}

}  // namespace
}  // namespace herald::ops
