// GET /v1/stats/rates through the server: who sees what, and bad spans
// named by their field. The counts themselves: tests/ops/rates_test.
#include "tests/api/api_fixture.hpp"

namespace herald {
namespace {

using test::api_email;

struct stats_test : test::api_fixture {
    std::vector<std::string> tenants_of(const test::http_answer& a) {
        std::vector<std::string> out;
        const auto body = a.json();
        for (const auto& t : body.at("tenants").as_array())
            out.emplace_back(t.at("tenant").as_string());
        return out;
    }
};

TEST_F(stats_test, an_admin_sees_every_tenant_busiest_first) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(as_acme("POST", "/v1/messages", api_email("u" + std::to_string(i) + "@x.example"))
                      .status,
                  202);
    auto a = as_admin("GET", "/v1/stats/rates?window=60s&step=10s");
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(tenants_of(a), (std::vector<std::string>{"acme", "other"}));
    const auto body = a.json();
    EXPECT_EQ(body.at("t").as_array().size(), 6u);
    auto one = as_admin("GET", "/v1/stats/rates?tenant=other");
    ASSERT_EQ(one.status, 200);
    EXPECT_EQ(tenants_of(one), (std::vector<std::string>{"other"}));
    const auto one_body = one.json();
    EXPECT_EQ(one_body.at("window_s").as_int64(), 900);
}

TEST_F(stats_test, a_tenant_key_sees_its_own_tenant_only) {
    auto own = as_acme("GET", "/v1/stats/rates?window=5m");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(tenants_of(own), (std::vector<std::string>{"acme"}));
    auto other = as_acme("GET", "/v1/stats/rates?tenant=other");
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.field(), "tenant");
    EXPECT_EQ(call("GET", "/v1/stats/rates").status, 401);
}

TEST_F(stats_test, bad_spans_are_refused_with_their_field) {
    auto window = as_admin("GET", "/v1/stats/rates?window=2h");
    EXPECT_EQ(window.status, 400);
    EXPECT_EQ(window.code(), "invalid_argument");
    EXPECT_EQ(window.field(), "window");
    auto step = as_admin("GET", "/v1/stats/rates?window=60&step=0");
    EXPECT_EQ(step.status, 400);
    EXPECT_EQ(step.field(), "step");
}

}  // namespace
}  // namespace herald
