// /v1/webhooks through the real HTTP server (tests/api/api_fixture): a
// tenant key acts on its own endpoints, an admin key names the tenant;
// refusals carry their codes and fields; the secret is in the 201 answer
// only; every answer is checked against api/openapi.yaml at TearDown.
#include "tests/api/api_fixture.hpp"

namespace herald {
namespace {

namespace json = boost::json;

struct webhooks_api_test : test::api_fixture {
    void SetUp() override {
        api_fixture::SetUp();
        cfg.webhooks.allow_http = 1;
        cfg.webhooks.allow_private = 1;
        cfg.webhooks.max_endpoints = 2;
        start_server();
    }
};

TEST_F(webhooks_api_test, a_tenant_registers_lists_and_removes_its_endpoints) {
    auto made =
        as_acme("POST", "/v1/webhooks",
                R"({"url":"http://127.0.0.1:9/h","events":["message.*","breaker.opened"]})");
    ASSERT_EQ(made.status, 201) << made.body;
    const auto doc = made.json().as_object();
    const auto id = json::value_to<std::string>(doc.at("id"));
    EXPECT_EQ(json::value_to<std::string>(doc.at("secret")).rfind("whsec_", 0), 0u);
    EXPECT_EQ(json::serialize(doc.at("events")), R"(["message.*","breaker.opened"])");

    auto list = as_acme("GET", "/v1/webhooks");
    ASSERT_EQ(list.status, 200) << list.body;
    const auto list_doc = list.json();  // .at() on a temporary would dangle
    const auto& hooks = list_doc.at("webhooks").as_array();
    ASSERT_EQ(hooks.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(hooks[0].at("id")), id);
    EXPECT_FALSE(hooks[0].as_object().contains("secret"));
    EXPECT_EQ(hooks[0].at("pending"), 0);
    EXPECT_EQ(list.body.find(json::value_to<std::string>(doc.at("secret"))), std::string::npos);

    // Another tenant sees none of it and cannot remove it.
    auto theirs = call("GET", "/v1/webhooks", "", other_key);
    const auto their_doc = theirs.json();
    EXPECT_EQ(their_doc.at("webhooks").as_array().size(), 0u);
    EXPECT_EQ(call("DELETE", "/v1/webhooks/" + id, "", other_key).code(), "webhook_not_found");
    EXPECT_EQ(call("GET", "/v1/webhooks?tenant=acme", "", other_key).status, 403);

    // An admin names the tenant.
    EXPECT_EQ(as_admin("GET", "/v1/webhooks").field(), "tenant");
    auto admin = as_admin("GET", "/v1/webhooks?tenant=acme");
    ASSERT_EQ(admin.status, 200);
    const auto admin_doc = admin.json();
    EXPECT_EQ(admin_doc.at("webhooks").as_array().size(), 1u);

    EXPECT_EQ(as_acme("POST", "/v1/webhooks", R"({"url":"http://127.0.0.1:9/2"})").status, 201);
    auto third = as_acme("POST", "/v1/webhooks", R"({"url":"http://127.0.0.1:9/3"})");
    EXPECT_EQ(third.status, 409);
    EXPECT_EQ(third.code(), "webhook_limit");

    EXPECT_EQ(as_acme("DELETE", "/v1/webhooks/" + id).status, 204);
    auto again = as_acme("DELETE", "/v1/webhooks/" + id);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.code(), "webhook_not_found");
}

TEST_F(webhooks_api_test, bad_endpoints_are_refused_with_their_code_and_field) {
    struct bad_case {
        const char* body;
        const char* code;
        const char* field;
    };
    for (const auto& c :
         {bad_case{R"({"url":"ftp://127.0.0.1/"})", "invalid_url", "url"},
          bad_case{R"({"url":"not a url"})", "invalid_url", "url"},
          bad_case{R"({"events":["*"]})", "invalid_url", "url"},
          bad_case{R"({"url":"http://127.0.0.1/","events":["Bad"]})", "invalid_events", "events"},
          bad_case{R"({"url":"http://127.0.0.1/","events":"a.*,"})", "invalid_events", "events"},
          bad_case{R"({"url":"http://127.0.0.1/","secret":"x"})", "unknown_field", "secret"}}) {
        auto a = as_acme("POST", "/v1/webhooks", c.body);
        EXPECT_EQ(a.status, 400) << c.body << " " << a.body;
        EXPECT_EQ(a.code(), c.code) << c.body;
        EXPECT_EQ(a.field(), c.field) << c.body;
    }
    cfg.webhooks = {};  // the defaults: https, public addresses only
    start_server();
    auto http = as_acme("POST", "/v1/webhooks", R"({"url":"http://hooks.example.com/"})");
    EXPECT_EQ(http.code(), "https_required");
    auto loop = as_acme("POST", "/v1/webhooks", R"({"url":"https://127.0.0.1:8443/"})");
    EXPECT_EQ(loop.code(), "address_refused");
    EXPECT_EQ(loop.field(), "url");
}

TEST_F(webhooks_api_test, dead_letters_are_listed_and_replayed) {
    auto dead = as_acme("GET", "/v1/webhooks/dead?limit=10");
    ASSERT_EQ(dead.status, 200) << dead.body;
    const auto dead_doc = dead.json();
    EXPECT_EQ(dead_doc.at("total"), 0);
    EXPECT_EQ(as_admin("GET", "/v1/webhooks/dead?tenant=acme").status, 200);
    auto none = as_acme("POST", "/v1/webhooks/dead/nope/replay");
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.code(), "batch_not_found");
    auto all = as_acme("POST", "/v1/webhooks/dead/replay");
    ASSERT_EQ(all.status, 200) << all.body;
    const auto all_doc = all.json();
    EXPECT_EQ(all_doc.at("replayed"), 0);
}

}  // namespace
}  // namespace herald
