// /v1/domains through the real HTTP server, every answer checked against
// api/openapi.yaml (api_fixture's TearDown): a tenant adds a domain, sees
// its records, verifies it against a real DNS server, rotates its key and
// removes it; another tenant never sees it; the private key never leaves.
#include "tests/api/api_fixture.hpp"
#include "tests/support/dns_server.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace herald::test {
namespace {

namespace json = boost::json;

struct domains_api_test : api_fixture {
    dns_server dns;
    void SetUp() override {
        ::setenv("HERALD_MASTER_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
        cfg.domains.spf_include = "_spf.herald.test";
        cfg.domains.dns_servers = dns.server();
        api_fixture::SetUp();
    }
    void TearDown() override {
        api_fixture::TearDown();
        ::unsetenv("HERALD_MASTER_KEY");
    }
    void publish(const json::value& domain) {
        for (const auto& r : domain.at("records").as_array()) {
            // A TXT record's strings; a CNAME's target.
            std::vector<std::string> values;
            for (const auto& s : r.at("strings").as_array())
                values.emplace_back(s.as_string());
            if (r.at("type") == "CNAME") values = {std::string(r.at("value").as_string())};
            dns.publish({{std::string(r.at("name").as_string()),
                          std::string(r.at("type").as_string()), values}});
        }
    }
};

TEST_F(domains_api_test, add_show_verify_rotate_and_remove) {
    auto added = as_acme("POST", "/v1/domains", R"({"domain":"Mail.Acme.TEST"})");
    ASSERT_EQ(added.status, 201) << added.body;
    const auto domain = added.json();
    EXPECT_EQ(domain.at("domain"), "mail.acme.test");
    EXPECT_EQ(domain.at("state"), "pending");
    EXPECT_EQ(domain.at("records").at(1).at("value"), "v=spf1 include:_spf.herald.test ~all");
    EXPECT_EQ(added.body.find("PRIVATE"), std::string::npos);
    EXPECT_EQ(added.body.find("hdk1:"), std::string::npos);

    EXPECT_EQ(as_acme("POST", "/v1/domains", R"({"domain":"mail.acme.test"})").code(),
              "domain_exists");
    auto bad = as_acme("POST", "/v1/domains", R"({"domain":"not a domain"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.code(), "invalid_domain");
    EXPECT_EQ(bad.field(), "domain");
    EXPECT_EQ(as_acme("POST", "/v1/domains", R"({"domain":"x.test","extra":1})").code(),
              "unknown_field");

    auto listed = as_acme("GET", "/v1/domains");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.json().at("domains").at(0).at("state"), "pending");
    auto theirs = call("GET", "/v1/domains/mail.acme.test", "", other_key);
    EXPECT_EQ(theirs.status, 404);
    EXPECT_EQ(theirs.code(), "domain_not_found");

    publish(domain);
    auto verified = as_acme("POST", "/v1/domains/mail.acme.test/verify");
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.json().at("state"), "verified") << verified.body;
    EXPECT_EQ(as_acme("GET", "/v1/domains/mail.acme.test").json().at("state"), "verified");

    auto rotated = as_acme("POST", "/v1/domains/mail.acme.test/rotate");
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    EXPECT_EQ(rotated.json().at("selectors").at(1).at("role"), "next");
    auto twice = as_acme("POST", "/v1/domains/mail.acme.test/rotate");
    EXPECT_EQ(twice.status, 409);
    EXPECT_EQ(twice.code(), "rotation_pending");

    EXPECT_EQ(as_acme("DELETE", "/v1/domains/mail.acme.test").status, 204);
    EXPECT_EQ(as_acme("GET", "/v1/domains/mail.acme.test").code(), "domain_not_found");
    EXPECT_EQ(as_acme("DELETE", "/v1/domains/mail.acme.test").status, 404);
}

// With domains.dkim_cname_zone the tenant publishes a CNAME into herald's
// zone, and herald's operator serves the key there: verification follows
// the CNAME to the key.
TEST_F(domains_api_test, a_dkim_cname_into_the_operators_zone_verifies) {
    cfg.domains.dkim_cname_zone = "dkim.herald.test";
    start_server();
    auto added = as_acme("POST", "/v1/domains", R"({"domain":"cname.acme.test"})");
    ASSERT_EQ(added.status, 201) << added.body;
    const auto domain = added.json();
    const auto& dkim = domain.at("records").at(2);
    ASSERT_EQ(dkim.at("type"), "CNAME");
    const std::string selector(domain.at("selectors").at(0).at("selector").as_string());
    EXPECT_EQ(dkim.at("value").as_string(), selector + ".cname.acme.test.dkim.herald.test");
    publish(domain);
    auto unserved = as_acme("POST", "/v1/domains/cname.acme.test/verify");
    ASSERT_EQ(unserved.status, 200) << dns.log();
    EXPECT_EQ(unserved.json().at("state"), "pending") << "the target serves no key yet";
    // herald's operator serves the public key at the CNAME's target.
    dns.publish({{std::string(dkim.at("value").as_string()),
                  "TXT",
                  {std::string(domain.at("selectors").at(0).at("txt").as_string())}}});
    auto verified = as_acme("POST", "/v1/domains/cname.acme.test/verify");
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.json().at("state"), "verified") << verified.body;
}

}  // namespace
}  // namespace herald::test
