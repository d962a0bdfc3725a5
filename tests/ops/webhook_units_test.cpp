// The parts of webhooks that need no server: which events an endpoint
// takes, which URLs pass before DNS, how a batch reads, and the shape of
// the signature headers (their value is checked by Python's hmac in
// webhook_dispatch_test).
#include "ops/webhook_batch.hpp"
#include "ops/webhook_errors.hpp"
#include "ops/webhook_filter.hpp"
#include "ops/webhook_signature.hpp"
#include "ops/webhook_store.hpp"
#include "ops/webhook_target.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <regex>

namespace herald::ops {
namespace {

namespace json = boost::json;

TEST(webhook_filter_test, exact_types_prefixes_and_all) {
    auto f = webhook_filter::parse("message.delivered, breaker.*");
    ASSERT_TRUE(f) << f.error().to_string();
    EXPECT_TRUE(f->matches("message.delivered"));
    EXPECT_TRUE(f->matches("breaker.opened"));
    EXPECT_TRUE(f->matches("breaker.half_open"));
    EXPECT_FALSE(f->matches("message.deferred"));
    EXPECT_FALSE(f->matches("breaker"));  // the prefix needs something after its dot
    EXPECT_FALSE(f->matches("breakers.opened"));
    EXPECT_FALSE(f->matches("quota.warning"));
    EXPECT_EQ(f->str(), "message.delivered,breaker.*");

    for (const char* all : {"", "*", "message.delivered,*"}) {
        auto a = webhook_filter::parse(all);
        ASSERT_TRUE(a) << all;
        EXPECT_TRUE(a->all()) << all;
        EXPECT_TRUE(a->matches("pressure.on")) << all;
    }
    auto twice = webhook_filter::parse("a.b,a.b");
    ASSERT_TRUE(twice);
    EXPECT_EQ(twice->patterns().size(), 1u);
}

TEST(webhook_filter_test, anything_else_is_refused_naming_events) {
    for (const char* bad : {"Message.delivered", "a..b", ".a", "a.", "a b", "a.*.b", "**", "a,",
                            "a;b", "message.*x", "*.x"}) {
        auto f = webhook_filter::parse(bad);
        ASSERT_FALSE(f) << bad;
        EXPECT_EQ(f.error().code, make_error_code(webhook_errc::invalid_events)) << bad;
        EXPECT_EQ(f.error().name(), "invalid_events");
        EXPECT_EQ(f.error().field, "events");
        EXPECT_EQ(f.error().http_status(), 400);
    }
    std::vector<std::string> many(33, "a.b");
    EXPECT_FALSE(webhook_filter::parse(many));
}

struct url_case {
    const char* url;
    bool allow_http, allow_private;
    const char* code;  // "" = accepted
};

TEST(webhook_url_test, scheme_credentials_and_literal_addresses) {
    const url_case cases[] = {
        {"https://hooks.example.com/herald", false, false, ""},
        {"https://hooks.example.com:8443/x?y=1", false, false, ""},
        {"http://hooks.example.com/herald", false, false, "https_required"},
        {"http://hooks.example.com/herald", true, false, ""},
        {"ftp://hooks.example.com/", true, true, "invalid_url"},
        {"hooks.example.com/herald", true, true, "invalid_url"},
        {"https://user:pw@hooks.example.com/", false, false, "invalid_url"},
        {"https://hooks.example.com/#frag", false, false, "invalid_url"},
        {"https://hooks.example.com/a b", false, false, "invalid_url"},
        {"", false, false, "invalid_url"},
        {"https://127.0.0.1/", false, false, "address_refused"},
        {"https://127.0.0.1:9000/", false, true, ""},
        {"https://10.1.2.3/", false, false, "address_refused"},
        {"https://192.168.0.10/", false, false, "address_refused"},
        {"https://169.254.169.254/latest/meta-data", false, false, "address_refused"},
        {"https://[::1]:8443/", false, false, "address_refused"},
        {"https://[fe80::1]/", false, false, "address_refused"},
        {"https://[::ffff:10.0.0.1]/", false, false, "address_refused"},
        {"https://0.0.0.0/", false, true, "address_refused"},  // never a host
        {"https://224.0.0.1/", false, true, "address_refused"},
        {"https://8.8.8.8/", false, false, ""},
    };
    for (const auto& c : cases) {
        auto u = parse_webhook_url(c.url, {c.allow_http, c.allow_private});
        if (*c.code == 0) {
            EXPECT_TRUE(u) << c.url << ": " << u.error().to_string();
        } else {
            ASSERT_FALSE(u) << c.url;
            EXPECT_EQ(u.error().name(), c.code) << c.url << ": " << u.error().to_string();
            EXPECT_EQ(u.error().field, "url") << c.url;
        }
    }
    auto u = parse_webhook_url("https://[2001:4860::8888]/h", {});
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "2001:4860::8888");
    EXPECT_EQ(u->port, 443);
    EXPECT_TRUE(u->literal);
    auto http = parse_webhook_url("http://example.com/h", {true, false});
    ASSERT_TRUE(http);
    EXPECT_EQ(http->port, 80);
    EXPECT_FALSE(http->literal);
}

TEST(webhook_batch_test, events_keep_their_fields_and_ts_is_a_number) {
    redis::reply fields;
    fields.type = redis::reply::kind::array;
    for (const char* s : {"type", "message.deferred", "tenant", "acme", "id", "m1", "ts",
                          "1764430000123", "attempt", "2", "reply", "451 later"}) {
        redis::reply r;
        r.type = redis::reply::kind::string;
        r.str = s;
        fields.elements.push_back(r);
    }
    auto e = parse_event("1764430000123-0", fields);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, "message.deferred");
    EXPECT_EQ(e->tenant, "acme");
    const auto body = batch_body(batch_id("we_1", e->stream_id), "acme", {&*e, &*e});
    const auto doc = json::parse(body).as_object();
    EXPECT_EQ(doc.at("id"), "we_1-1764430000123-0");
    EXPECT_EQ(doc.at("tenant"), "acme");
    const auto& ev = doc.at("events").as_array();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(json::serialize(ev[0]),
              R"({"type":"message.deferred","tenant":"acme","id":"m1","ts":1764430000123,)"
              R"("attempt":"2","reply":"451 later"})");
    // The older guard events carry `at`: it is the event's ts.
    fields.elements[6].str = "at";
    auto older = parse_event("1-0", fields);
    ASSERT_TRUE(older);
    EXPECT_EQ(older->json.at("ts"), 1764430000123);
    EXPECT_FALSE(older->json.contains("at"));
    redis::reply untyped;
    untyped.type = redis::reply::kind::array;
    EXPECT_FALSE(parse_event("2-0", untyped));
}

TEST(webhook_signature_test, headers_secrets_and_ids_have_their_shapes) {
    const auto secret = new_webhook_secret();
    EXPECT_TRUE(std::regex_match(secret, std::regex("whsec_[0-9a-f]{64}"))) << secret;
    EXPECT_NE(secret, new_webhook_secret());
    EXPECT_TRUE(std::regex_match(new_endpoint_id(), std::regex("we_[0-9a-f]{16}")));
    const auto h = webhook_headers("we_1-5-0", secret, 1764430000, R"({"id":"we_1-5-0"})");
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[0], "Content-Type: application/json");
    EXPECT_EQ(h[1], "Herald-Webhook-Id: we_1-5-0");
    EXPECT_EQ(h[2], "Herald-Webhook-Timestamp: 1764430000");
    EXPECT_TRUE(std::regex_match(
        h[3], std::regex("Herald-Webhook-Signature: t=1764430000,v1=[0-9a-f]{64}")))
        << h[3];
    // The signature covers the timestamp, the body and the key.
    const auto sig = webhook_signature(secret, 1764430000, "{}");
    EXPECT_NE(sig, webhook_signature(secret, 1764430001, "{}"));
    EXPECT_NE(sig, webhook_signature(secret, 1764430000, "{ }"));
    EXPECT_NE(sig, webhook_signature(new_webhook_secret(), 1764430000, "{}"));
    // Known answer, from Python: hmac.new(b'whsec_test', b'1764430000.{"id":"b"}',
    // hashlib.sha256).hexdigest()
    EXPECT_EQ(webhook_signature("whsec_test", 1764430000, R"({"id":"b"})"),
              "9f02191962faf62e8e8c3c4d93a0d37a2cf7a745241f4dbae6eba711e745be8e");
}

TEST(webhook_store_test_units, endpoint_records_round_trip_and_bad_ones_are_skipped) {
    webhook_endpoint e{"we_1", "https://h.example/x", *webhook_filter::parse("a.*"), "whsec_s", 42,
                       0};
    auto back = endpoint_from_record("we_1", endpoint_record(e));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->url, e.url);
    EXPECT_EQ(back->filter.str(), "a.*");
    EXPECT_EQ(back->secret, "whsec_s");
    EXPECT_EQ(back->created_ms, 42);
    EXPECT_FALSE(endpoint_from_record("x", "not json"));
    EXPECT_FALSE(endpoint_from_record("x", R"({"url":"https://h/","events":"Bad!"})"));
}

}  // namespace
}  // namespace herald::ops
