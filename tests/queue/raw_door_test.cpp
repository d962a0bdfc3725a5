// The raw door: producers in any language call the admission function
// with FCALL and skip herald's C++ checks. The function keeps the cheap
// structural bounds (types per channel, recipients, headers, subject);
// whatever passes them but fails full validation is dead-lettered on its
// first read, with its reason and an event, and never sent. Every
// function answers a malformed call with a usage error, not a Lua error.
#include "app/capture_transport.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/json.hpp>

#include <filesystem>

namespace herald {
namespace {

namespace json = boost::json;

struct raw_door_test : test::queue_fixture {
    redis::reply fcall(const std::string& tenant, const std::string& ch,
                       const std::string& payload) {
        return server.cmd({"FCALL", "herald_admit", "1", prefix(tenant), tenant, ch, payload});
    }
    // The refusal's code and detail, or "ok".
    std::pair<std::string, std::string> answer(const redis::reply& r) {
        EXPECT_TRUE(r.is_array()) << r.str;
        if (!r.is_array() || r.elements.empty()) return {"?", r.str};
        if (r[0].str == "ok") return {"ok", ""};
        return {r[1].str, r.size() > 2 ? r[2].str : ""};
    }
};

TEST_F(raw_door_test, structural_bounds_refuse_at_the_door) {
    json::array many;
    for (int i = 0; i < 10000; ++i)
        many.push_back(json::string("u" + std::to_string(i) + "@example.org"));
    json::object headers;
    for (int i = 0; i < 5000; ++i)
        headers["X-H" + std::to_string(i)] = "v";
    struct bad {
        const char* what;
        std::string ch;
        json::object msg;
        const char* detail_starts;
    };
    const std::vector<bad> cases{
        {"email JSON on the sms channel",
         "sms",
         {{"from", "a@example.com"}, {"to", json::array{"b@example.org"}}, {"subject", "x"}},
         "to:"},
        {"sms without a body", "sms", {{"from", "Shop"}, {"to", "+14155550100"}}, "body:"},
        {"10,000 recipients",
         "email",
         {{"from", "a@example.com"}, {"to", many}},
         "10000 recipients"},
        {"a 1 MB subject",
         "email",
         {{"from", "a@example.com"},
          {"to", "b@example.org"},
          {"subject", std::string(1 << 20, 's')}},
         "subject:"},
        {"5,000 headers",
         "email",
         {{"from", "a@example.com"}, {"to", "b@example.org"}, {"headers", headers}},
         "headers:"},
        {"a header that is not a string",
         "email",
         {{"from", "a@example.com"}, {"to", "b@example.org"}, {"headers", {{"X-N", 1}}}},
         "headers.X-N:"},
        {"recipients that are not strings",
         "email",
         {{"from", "a@example.com"}, {"to", json::array{1, 2}}},
         "to:"},
        {"no sender", "email", {{"to", "b@example.org"}}, "from:"},
    };
    for (const auto& c : cases) {
        auto [code, detail] = answer(fcall("acme", c.ch, json::serialize(c.msg)));
        EXPECT_EQ(code, "invalid_message") << c.what << ": " << detail;
        EXPECT_EQ(detail.rfind(c.detail_starts, 0), 0u) << c.what << ": " << detail;
    }
    EXPECT_EQ(total_len(channel::email) + total_len(channel::sms), 0);
}

TEST_F(raw_door_test, every_function_answers_a_malformed_call_with_its_usage) {
    auto list = server.cmd({"FUNCTION", "LIST", "LIBRARYNAME", "herald"});
    ASSERT_EQ(list.size(), 1u);
    std::vector<std::string> names;
    const auto& lib = list[0];
    for (std::size_t i = 0; i + 1 < lib.size(); i += 2)
        if (lib[i].str == "functions")
            for (const auto& f : lib[i + 1].elements)
                names.push_back(f[1].str);
    ASSERT_GT(names.size(), 10u);
    // Functions that take no key at all.
    const std::set<std::string> keyless{"herald_protocol", "herald_address"};
    const std::string shard = queue::shard_prefix(0);
    // Functions with numeric arguments, and how many come before the items.
    const std::map<std::string, int> numeric{
        {"herald_claim", 5},        {"herald_settle", 6},           {"herald_promote", 5},
        {"herald_renew", 5},        {"herald_reclaim", 7},          {"herald_idem_reserve", 5},
        {"herald_health", 5},       {"herald_forget_consumers", 4}, {"herald_dead_list", 4},
        {"herald_dead_purge", 3},   {"herald_dead_requeue", 4},     {"herald_suppress", 6},
        {"herald_suppressions", 4}, {"herald_tenant_create", 2}};
    for (const auto& name : names) {
        if (keyless.contains(name)) continue;
        const std::string key =
            name == "herald_throttle"           ? "hd:{t}:rl"
            : name == "herald_health"           ? queue::destination_health_key("mx.example:25")
            : name == "herald_forget_consumers" ? queue::ingress_key(0, channel::email)
            : name == "herald_tenant_create"    ? queue::tenants_key()
                                                : shard;
        std::vector<std::vector<std::string>> calls{
            {"FCALL", name, "0"}, {"FCALL", name, "1", "not-a-shard"}, {"FCALL", name, "1", key}};
        if (name == "herald_usage_recount") calls.pop_back();  // no arguments is its normal call
        if (numeric.contains(name)) {
            calls.push_back({"FCALL", name, "1", key});
            calls.back().insert(calls.back().end(), numeric.at(name), "x");
        }
        for (const auto& call : calls) {
            auto r = server.cmd(call);
            ASSERT_FALSE(r.is_error()) << name << " raised: " << r.str;
            ASSERT_TRUE(r.is_array() && r.size() >= 3) << name << " with " << call.size() - 3;
            EXPECT_EQ(r[0].str, "err") << name << " with " << call.size() - 3 << " arguments";
            EXPECT_EQ(r[1].str, "invalid_argument") << name;
            EXPECT_NE(r[2].str.find("usage: FCALL " + name), std::string::npos) << r[2].str;
        }
    }
}

TEST_F(raw_door_test, what_passes_the_door_but_cannot_be_sent_is_dead_on_first_read) {
    const std::string payload =
        json::serialize(json::object{{"from", "shop@example.com"}, {"to", "not an address"}});
    auto [code, detail] = answer(fcall("acme", "email", payload));
    ASSERT_EQ(code, "ok") << detail;
    const auto dir =
        std::filesystem::temp_directory_path() / ("herald-raw-door-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    {
        app::capture_transport capture(dir);
        ASSERT_TRUE(run_worker(capture, [&] { return dead_count() == 1; }));
    }
    const auto dead = dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].at("reason"), "bounced");
    EXPECT_EQ(dead[0].at("detail").rfind("invalid_address to[0]: ", 0), 0u) << dead[0].at("detail");
    EXPECT_EQ(dead[0].at("attempt"), "0");
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "a refused message was captured";
    auto events =
        server.cmd({"XRANGE", queue::events_key(queue::shard_of("acme", q.shards)), "-", "+"});
    bool seen = false;
    for (const auto& e : events.elements) {
        const auto& f = e[1];
        for (std::size_t i = 0; i + 1 < f.size(); i += 2)
            seen = seen || (f[i].str == "type" && f[i + 1].str == "message.bounced");
    }
    EXPECT_TRUE(seen) << "no message.bounced event";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace herald
