// Every transition of a message is an event in its shard's stream, written
// by the Redis call that makes the change, in order, in one schema (README
// "Events"); the guards' events are written whatever the tenant's
// events.messages says.
#include "tests/support/queue_fixture.hpp"

#include <map>

namespace herald {
namespace {

using test::email_json;
using event = std::map<std::string, std::string>;

struct events_test : test::queue_fixture {
    // The tenant's events (and shard-wide ones), oldest first, each with its
    // field order kept in "_order".
    std::vector<event> events(const std::string& tenant) {
        std::vector<event> out;
        const auto shard = queue::shard_of(tenant, q.shards);
        for (const auto& e : server.cmd({"XRANGE", queue::events_key(shard), "-", "+"}).elements) {
            event ev;
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2) {
                ev[e[1][i].str] = e[1][i + 1].str;
                ev["_order"] += (ev["_order"].empty() ? "" : ",") + e[1][i].str;
            }
            if (!ev.contains("tenant") || ev["tenant"] == tenant) out.push_back(std::move(ev));
        }
        return out;
    }
    std::vector<std::string> types(const std::vector<event>& evs) {
        std::vector<std::string> out;
        for (const auto& e : evs)
            out.push_back(e.at("type"));
        return out;
    }
};

TEST_F(events_test, a_message_deferred_then_delivered_leaves_each_step_in_order) {
    test::scripted_transport t;
    t.script = [](const delivery& d) {
        if (d.attempt == 0) return outcome::deferred("smtp_4xx", "451 4.3.0 try later");
        auto o = outcome::delivered("smtp_2xx", "250 2.0.0 queued as 7F3A");
        return o;
    };
    const millis admitted = clk.now_ms();
    auto id = admit("acme", email_json("a@example.com"));
    ASSERT_TRUE(run_worker(t, [&] {
        clk.advance(10'000);  // past any retry's due time
        return t.calls.size() == 2 && total_len(channel::email) == 0;
    }));
    auto evs = events("acme");
    EXPECT_EQ(types(evs),
              (std::vector<std::string>{"message.accepted", "message.leased", "message.deferred",
                                        "message.leased", "message.delivered"}));
    ASSERT_EQ(evs.size(), 5u);
    for (const auto& e : evs) {
        EXPECT_EQ(e.at("id"), id.str()) << e.at("type");
        EXPECT_EQ(e.at("tenant"), "acme");
        EXPECT_EQ(e.at("channel"), "email");
        EXPECT_EQ(e.at("_order").rfind("type,tenant,id,ts,", 0), 0u) << e.at("_order");
        EXPECT_GE(std::stoll(e.at("ts")), admitted);
    }
    EXPECT_EQ(evs[2].at("attempt"), "1");
    EXPECT_NE(evs[2].at("reply").find("451 4.3.0 try later"), std::string::npos);
    EXPECT_GT(std::stoll(evs[2].at("next_ms")), admitted);
    EXPECT_EQ(evs[4].at("attempt"), "2");
    EXPECT_EQ(evs[4].at("reply"), "250 2.0.0 queued as 7F3A");
    EXPECT_GE(std::stoll(evs[4].at("delay_ms")), 10'000);
}

TEST_F(events_test, admission_answers_are_events_accepted_duplicate_refused) {
    auto first = admit("acme", email_json("a@example.com", "same"));
    auto again = try_admit("acme", email_json("a@example.com", "same"));
    ASSERT_TRUE(again && again->duplicate);
    auto refused = try_admit("acme", R"({"from":"x@example.com","subject":"no recipient"})");
    ASSERT_FALSE(refused);
    auto evs = events("acme");
    ASSERT_EQ(types(evs), (std::vector<std::string>{"message.accepted", "message.duplicate",
                                                    "message.refused"}));
    EXPECT_EQ(evs[0].at("id"), first.str());
    EXPECT_EQ(evs[1].at("duplicate_of"), first.str());
    EXPECT_FALSE(evs[1].contains("id")) << "a duplicate is not a message of its own";
    EXPECT_EQ(evs[2].at("code"), "invalid_message");
    EXPECT_NE(evs[2].at("detail").find("recipient"), std::string::npos);
}

TEST_F(events_test, endings_bounced_dead_and_unknown_are_written_even_when_messages_are_off) {
    set("acme", "events.messages", "0");
    test::scripted_transport t;
    t.script = [](const delivery& d) {
        const auto& to = std::get<email_message>(d.msg.content).to.front();
        if (to.starts_with("bounce")) return outcome::bounced("smtp_5xx", "550 5.1.1 no such user");
        if (to.starts_with("unknown"))
            return outcome{outcome_kind::unknown, "smtp_timeout", "no reply to the final dot"};
        return outcome::deferred("smtp_4xx", "451 busy");
    };
    auto bounced = admit("acme", email_json("bounce@example.com"));
    auto unknown = admit("acme", email_json("unknown@example.com"));
    auto dead = admit("acme", email_json("later@example.com"));
    ASSERT_TRUE(run_worker(t, [&] {
        clk.advance(10'000);
        return dead_count() == 2 && total_len(channel::email) == 0 && retry_len() == 0;
    }));
    std::map<std::string, std::string> ending;  // id -> type
    for (const auto& e : events("acme")) {
        EXPECT_FALSE(e.at("type") == "message.accepted" || e.at("type") == "message.leased" ||
                     e.at("type") == "message.deferred")
            << e.at("type") << " with events.messages 0";
        if (e.contains("id")) ending[e.at("id")] = e.at("type");
    }
    EXPECT_EQ(ending[bounced.str()], "message.bounced");
    EXPECT_EQ(ending[unknown.str()], "message.unknown");
    EXPECT_EQ(ending[dead.str()], "message.dead");
}

TEST_F(events_test, a_quota_warns_at_80_and_is_exhausted_at_100_percent) {
    set("acme", "quota.email.day", "5");
    set("acme", "events.messages", "0");
    for (int i = 0; i < 5; ++i)
        admit("acme", email_json("u" + std::to_string(i) + "@example.com"));
    std::vector<event> quota;
    for (auto& e : events("acme"))
        if (e.at("type").starts_with("quota.")) quota.push_back(e);
    ASSERT_EQ(types(quota), (std::vector<std::string>{"quota.warning", "quota.exhausted"}));
    EXPECT_EQ(quota[0].at("percent"), "80");
    EXPECT_EQ(quota[1].at("used"), "5");
}

}  // namespace
}  // namespace herald
