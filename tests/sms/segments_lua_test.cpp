// Admission's segment count (ratelimit/lua/units.lua) on a real
// redis-server, held to the same table as sms::count_segments
// (segment_cases.tsv): each row admitted as an SMS, and the `units` its
// entry got read back. And the refusal of a body over sms.max_segments,
// which must leave nothing behind.
#include "queue/keys.hpp"
#include "tests/sms/segment_cases.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/json.hpp>

#include <map>

namespace herald {
namespace {

namespace json = boost::json;

struct segments_lua_test : test::queue_fixture {
    static std::string sms_json(const std::string& body, int n = 0) {
        return json::serialize(json::object{
            {"from", "ACME"}, {"to", "+1555123" + std::to_string(1000 + n)}, {"body", body}});
    }
    std::map<std::string, std::string> entry(const std::string& tenant, const message_id& id) {
        const auto key = queue::ingress_key(queue::shard_of(tenant, q.shards), channel::sms);
        const auto at = std::to_string(id.ms) + "-" + std::to_string(id.seq);
        auto r = server.cmd({"XRANGE", key, at, at});
        std::map<std::string, std::string> f;
        if (r.size() != 1) return f;
        for (std::size_t i = 0; i + 1 < r[0][1].size(); i += 2)
            f[r[0][1][i].str] = r[0][1][i + 1].str;
        return f;
    }
    // Every key and its DUMP but the day's answer counters, which count
    // refusals too.
    std::map<std::string, std::string> keyspace() {
        std::map<std::string, std::string> out;
        for (const auto& k : server.cmd({"KEYS", "*"}).elements)
            // What admission answered is reported, refusals too: the day's
            // counts, the live rates and the message.refused event.
            if (k.str.find(":stat:") == std::string::npos &&
                k.str.find(":rates:") == std::string::npos && !k.str.ends_with(":events"))
                out[k.str] = server.cmd({"DUMP", k.str}).str;
        return out;
    }
};

TEST_F(segments_lua_test, admission_charges_every_row_of_the_table_in_its_segments) {
    const auto rows = test::segment_cases();
    ASSERT_GE(rows.size(), 40u);
    int n = 0;
    for (const auto& c : rows) {
        SCOPED_TRACE(c.escaped + " (" + c.why + ")");
        auto r = try_admit("acme", sms_json(c.text, n++), channel::sms);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(entry("acme", r->id)["units"], std::to_string(c.segments));
    }
}

TEST_F(segments_lua_test, a_body_over_max_segments_is_refused_and_writes_nothing) {
    set("acme", "sms.max_segments", "2");
    set("acme", "quota.sms.day", "100");
    ASSERT_TRUE(try_admit("acme", sms_json(std::string(306, 'a')), channel::sms)) << "2 segments";
    const auto before = keyspace();
    queue::admission a{.tenant = "acme",
                       .ch = channel::sms,
                       .payload = sms_json(std::string(307, 'a'), 1),
                       .idempotency_key = "k-307"};
    auto r = try_admit(a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "too_many_segments");
    EXPECT_EQ(r.error().http_status(), 400);
    EXPECT_NE(r.error().detail.find("3 segments, at most 2"), std::string::npos)
        << r.error().detail;
    EXPECT_EQ(keyspace(), before) << "no entry, no charge, no idempotency key, no breaker count";
    // The refusal is the tenant's setting, not a fixed rule.
    set("acme", "sms.max_segments", "3");
    EXPECT_TRUE(try_admit(a));
}

TEST_F(segments_lua_test, the_configured_default_applies_without_a_tenant_setting) {
    ASSERT_EQ(cfg.sms.max_segments, 10u);
    EXPECT_TRUE(try_admit("acme", sms_json(std::string(153 * 10, 'a')), channel::sms));
    auto r = try_admit("acme", sms_json(std::string(153 * 10 + 1, 'a'), 1), channel::sms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "too_many_segments");
}

TEST_F(segments_lua_test, email_is_one_unit_whatever_its_length) {
    auto r = try_admit("acme", test::email_json("a@x.example", std::string(500, 's')));
    ASSERT_TRUE(r) << r.error().to_string();
    const auto key = queue::ingress_key(queue::shard_of("acme", q.shards), channel::email);
    auto e = server.cmd({"XRANGE", key, "-", "+"});
    ASSERT_EQ(e.size(), 1u);
    bool found = false;
    for (std::size_t i = 0; i + 1 < e[0][1].size(); i += 2)
        if (e[0][1][i].str == "units") found = e[0][1][i + 1].str == "1";
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace herald
