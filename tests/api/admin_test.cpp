// The admin routes, and the rule that a tenant key sees only its tenant:
// every route that names a thing answers 404 for another tenant's, exactly
// as for one that does not exist.
#include "api/keys.hpp"
#include "queue/keys.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

namespace herald::test {
namespace {

namespace json = boost::json;
using admin_test = api_fixture;

TEST_F(admin_test, tenants_are_created_once_listed_and_validated) {
    auto made = as_admin("POST", "/v1/tenants", R"({"id":"newco"})");
    EXPECT_EQ(made.status, 201) << made.body;
    EXPECT_EQ(as_admin("POST", "/v1/tenants", R"({"id":"newco"})").code(), "conflict");
    auto bad = as_admin("POST", "/v1/tenants", R"({"id":"no spaces/here"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.field(), "id");
    EXPECT_EQ(as_admin("POST", "/v1/tenants", R"({"id":"x","plan":"gold"})").code(),
              "unknown_field");
    auto list = as_admin("GET", "/v1/tenants");
    EXPECT_EQ(list.json().at("tenants"), json::parse(R"(["acme","newco","other"])"));
    EXPECT_EQ(as_admin("GET", "/v1/tenants/nobody").code(), "not_found");
}

TEST_F(admin_test, settings_are_shown_and_patched_all_or_nothing) {
    auto shown = as_admin("GET", "/v1/tenants/acme");
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json().at("tenant"), "acme");
    EXPECT_FALSE(shown.json().at("paused").as_bool());
    auto patched =
        as_admin("PATCH", "/v1/tenants/acme", R"({"settings":{"breaker.content.max":50}})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(patched.json().at("overrides").at("breaker.content.max"), "50");
    auto bad = as_admin("PATCH", "/v1/tenants/acme",
                        R"({"settings":{"breaker.content.max":7,"no.such":1}})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.field(), "settings.no.such");
    EXPECT_EQ(as_admin("GET", "/v1/tenants/acme").json().at("overrides").at("breaker.content.max"),
              "50")
        << "a refused PATCH writes none of its settings";
    auto unset =
        as_admin("PATCH", "/v1/tenants/acme", R"({"settings":{"breaker.content.max":null}})");
    EXPECT_FALSE(unset.json().at("overrides").as_object().contains("breaker.content.max"));
    EXPECT_EQ(as_admin("PATCH", "/v1/tenants/acme", R"({"settings":{"x":true}})").status, 400);
}

TEST_F(admin_test, a_paused_tenant_still_admits_and_resumes) {
    auto paused = as_admin("POST", "/v1/tenants/acme/pause");
    ASSERT_EQ(paused.status, 200) << paused.body;
    EXPECT_TRUE(paused.json().at("paused").as_bool());
    EXPECT_TRUE(as_admin("GET", "/v1/tenants/acme").json().at("paused").as_bool());
    EXPECT_EQ(as_acme("POST", "/v1/messages", api_email()).status, 202);
    auto resumed = as_admin("POST", "/v1/tenants/acme/resume");
    EXPECT_FALSE(resumed.json().at("paused").as_bool());
    EXPECT_EQ(as_admin("POST", "/v1/tenants/nobody/pause").status, 404);
}

TEST_F(admin_test, breakers_open_and_reset_through_the_api) {
    auto opened = as_admin("POST", "/v1/tenants/acme/breakers/tenant/open", R"({"seconds":60})");
    ASSERT_EQ(opened.status, 200) << opened.body;
    EXPECT_EQ(opened.json().at("state"), "open");
    auto refused = as_acme("POST", "/v1/messages", api_email());
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.code(), "circuit_open");
    EXPECT_FALSE(refused.headers["retry-after"].empty());
    auto reset = as_admin("POST", "/v1/tenants/acme/breakers/tenant/reset");
    EXPECT_EQ(reset.status, 200);
    EXPECT_EQ(as_acme("POST", "/v1/messages", api_email()).status, 202);
    EXPECT_EQ(as_admin("POST", "/v1/tenants/acme/breakers/volcano/reset").field(), "kind");
    EXPECT_EQ(as_admin("POST", "/v1/tenants/acme/breakers/content/open", "{}").field(), "subject");
}

TEST_F(admin_test, keys_are_shown_once_listed_without_secrets_and_revoked) {
    auto made = as_admin("POST", "/v1/tenants/acme/keys", R"({"name":"ci"})");
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string key(made.json().at("key").as_string());
    const std::string id(made.json().at("id").as_string());
    EXPECT_EQ(key.rfind("hk_", 0), 0u);
    EXPECT_EQ(key.size(), 46u) << "hk_ and 256 bits in base64url";
    EXPECT_EQ(call("POST", "/v1/messages", api_email(), key).status, 202);
    auto list = as_admin("GET", "/v1/tenants/acme/keys");
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.body.find(key), std::string::npos) << "a key is never shown again";
    EXPECT_EQ(list.json().at("keys").as_array().size(), 2u);
    // Redis holds only its digest, in the digest map and the tenant's index.
    for (const auto& where :
         {queue::api_keys_key(),
          queue::tenant_api_keys_key(queue::shard_of("acme", q.shards), "acme")}) {
        const auto all = server.cmd({"HGETALL", where});
        ASSERT_FALSE(all.elements.empty()) << where;
        for (const auto& e : all.elements)
            EXPECT_EQ(e.str.find(key.substr(3)), std::string::npos) << where;
    }
    EXPECT_EQ(as_admin("DELETE", "/v1/tenants/other/keys/" + id).status, 404)
        << "acme's key is not other's";
    EXPECT_EQ(as_admin("DELETE", "/v1/tenants/acme/keys/" + id).status, 204);
    EXPECT_EQ(call("POST", "/v1/messages", api_email("x@example.com"), key).status, 401);
    EXPECT_EQ(as_admin("DELETE", "/v1/tenants/acme/keys/" + id).status, 404);
    EXPECT_EQ(as_admin("POST", "/v1/tenants/nobody/keys").status, 404);
}

TEST_F(admin_test, a_tenant_key_never_reaches_another_tenants_message) {
    auto mine = as_acme("POST", "/v1/messages", api_email());
    ASSERT_EQ(mine.status, 202);
    const std::string id(mine.json().at("id").as_string());
    auto theirs = call("GET", "/v1/messages/" + id, "", other_key);
    auto none = call("GET", "/v1/messages/1795679092742-0-e3", "", other_key);
    EXPECT_EQ(theirs.status, 404);
    EXPECT_EQ(theirs.body, none.body) << "another tenant's id reads exactly as no id";
    EXPECT_EQ(as_acme("GET", "/v1/messages/not-an-id").status, 404);
}

TEST_F(admin_test, a_tenant_key_never_reaches_another_tenants_suppressions) {
    ASSERT_EQ(as_acme("POST", "/v1/suppressions", R"({"recipient":"gone@example.com"})").status,
              201);
    auto theirs = call("DELETE", "/v1/suppressions/gone@example.com", "", other_key);
    EXPECT_EQ(theirs.status, 404);
    auto list = call("GET", "/v1/suppressions", "", other_key);
    EXPECT_EQ(list.json().at("suppressions").as_array().size(), 0u);
    EXPECT_EQ(as_acme("GET", "/v1/suppressions").json().at("suppressions").as_array().size(), 1u);
    EXPECT_EQ(as_acme("DELETE", "/v1/suppressions/gone%40example.com").status, 204);
    EXPECT_EQ(as_acme("DELETE", "/v1/suppressions/gone@example.com").status, 404);
}

TEST_F(admin_test, every_tenant_route_refuses_admin_keys_and_every_admin_route_tenant_keys) {
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/v1/tenants"},
             {"GET", "/v1/tenants"},
             {"GET", "/v1/tenants/acme"},
             {"PATCH", "/v1/tenants/acme"},
             {"POST", "/v1/tenants/acme/pause"},
             {"POST", "/v1/tenants/acme/resume"},
             {"POST", "/v1/tenants/acme/breakers/tenant/reset"},
             {"POST", "/v1/tenants/acme/breakers/tenant/open"},
             {"POST", "/v1/tenants/acme/keys"},
             {"GET", "/v1/tenants/acme/keys"},
             {"DELETE", "/v1/tenants/acme/keys/key_0"},
             {"GET", "/v1/tenants/acme/dead"},
             {"POST", "/v1/tenants/acme/dead/1795679092742-0-e3/requeue"},
             {"DELETE", "/v1/tenants/acme/dead"}}) {
        EXPECT_EQ(call(method, path, "{}", acme_key).status, 403) << method << " " << path;
        EXPECT_EQ(call(method, path, "{}").status, 401) << method << " " << path;
    }
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/v1/messages"},
             {"POST", "/v1/messages/batch"},
             {"GET", "/v1/messages/1795679092742-0-e3"},
             {"GET", "/v1/suppressions"},
             {"POST", "/v1/suppressions"},
             {"DELETE", "/v1/suppressions/a@example.com"}}) {
        EXPECT_EQ(call(method, path, "{}", admin_key).status, 403) << method << " " << path;
        EXPECT_EQ(call(method, path, "{}").status, 401) << method << " " << path;
    }
}

}  // namespace
}  // namespace herald::test
