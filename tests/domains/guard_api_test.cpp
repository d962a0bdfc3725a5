// The sender-domain guard through the HTTP API: 403 domain_not_verified
// for one message and for a batch item, each answer checked against
// api/openapi.yaml (api_fixture's TearDown), and 202 once the domain store
// has published the domain as verified.
#include "domains/sender_state.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

namespace herald::test {
namespace {

namespace json = boost::json;

struct guard_api_test : api_fixture {
    void SetUp() override {
        api_fixture::SetUp();
        auto on = run(
            ioc, queue::publish_settings(client, q.shards, {{"domains.require_verified", "1"}}));
        ASSERT_TRUE(on) << on.error().to_string();
    }
};

TEST_F(guard_api_test, mail_from_an_unverified_domain_is_403_until_the_domain_is_verified) {
    auto refused = as_acme("POST", "/v1/messages", api_email("you@example.org", "one"));
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.code(), "domain_not_verified");
    EXPECT_NE(refused.body.find("herald domain add example.com"), std::string::npos)
        << refused.body;

    const std::string batch = R"({"messages":[)" + api_email("you@example.org", "two") + "," +
                              api_email("you@example.org", "three") + "]}";
    auto items = as_acme("POST", "/v1/messages/batch", batch);
    ASSERT_EQ(items.status, 200) << items.body;
    const auto doc = items.json();
    const auto& results = doc.at("results").as_array();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].at("status").as_int64(), 403);
    EXPECT_EQ(results[0].at("error").at("code").as_string(), "domain_not_verified");

    auto ok = run(ioc, domains::publish_sender_state(client, q.shards, "acme", "example.com",
                                                     domains::state_verified));
    ASSERT_TRUE(ok) << ok.error().to_string();
    EXPECT_EQ(as_acme("POST", "/v1/messages", api_email("you@example.org", "four")).status, 202);
    EXPECT_EQ(total_len(channel::email), 1);
}

}  // namespace
}  // namespace herald::test
