// Batched admission on a real Redis: the producer's one call per shard
// (herald_admit_batch) answers every message in order, and a message sees
// what the earlier ones of its call charged, exactly as if each had been
// admitted alone.
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "tests/support/queue_fixture.hpp"

#include <set>

namespace herald {
namespace {

using test::email_json;
using test::enqueued_email;

struct admit_batch_test : test::queue_fixture {
    std::vector<result<queue::admitted>> admit_all(const std::vector<queue::admission>& batch) {
        queue::producer p(client, q.shards, &clk);
        return test::run(ioc, p.admit_batch(batch));
    }
    std::map<std::string, std::string> hash(const std::string& key) {
        std::map<std::string, std::string> out;
        auto r = server.cmd({"HGETALL", key});
        for (std::size_t i = 0; i + 1 < r.size(); i += 2)
            out[r[i].str] = r[i + 1].str;
        return out;
    }
    std::string stat_key(const std::string& tenant) {
        return queue::stat_key(queue::shard_of(tenant, q.shards), tenant,
                               clk.now_ms() / 86'400'000);
    }
};

TEST_F(admit_batch_test, answers_come_back_in_order_across_shards_and_calls) {
    // 300 messages of five tenants on several shards; "big" alone needs
    // three calls of at most max_call_messages; one tenant name is bad.
    static_assert(queue::producer::max_call_messages < 200);
    const std::vector<std::string> tenants{"big", "acme", "globex", "initech", "umbrella"};
    std::set<std::uint32_t> shards;
    for (const auto& t : tenants)
        shards.insert(queue::shard_of(t, q.shards));
    ASSERT_GE(shards.size(), 3u);
    std::vector<queue::admission> batch;
    for (int i = 0; i < 300; ++i) {
        const auto& tenant = i < 200 ? tenants[0] : tenants[1 + i % 4];
        batch.push_back(
            enqueued_email(tenant, email_json("u" + std::to_string(i) + "@example.com")));
    }
    batch[150].tenant = "not a tenant!";
    const auto answers = admit_all(batch);
    ASSERT_EQ(answers.size(), batch.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (i == 150) {
            ASSERT_FALSE(answers[i]);
            EXPECT_EQ(answers[i].error().code, make_error_code(errc::invalid_message));
            continue;
        }
        ASSERT_TRUE(answers[i]) << i << ": " << answers[i].error().to_string();
        EXPECT_FALSE(answers[i]->duplicate);
        EXPECT_EQ(answers[i]->id.shard, queue::shard_of(batch[i].tenant, q.shards)) << i;
        ids.insert(answers[i]->id.str());
    }
    EXPECT_EQ(ids.size(), 299u);
    EXPECT_EQ(total_len(channel::email), 299);
    // Each answer is its own message: the stream entry holds its payload.
    const auto& probe = answers[201]->id;
    const auto entry_id = std::to_string(probe.ms) + "-" + std::to_string(probe.seq);
    auto entry =
        server.cmd({"XRANGE", prefix(batch[201].tenant) + ":in:email", entry_id, entry_id});
    ASSERT_EQ(entry.size(), 1u);
    bool found = false;
    for (std::size_t i = 0; i + 1 < entry[0][1].size(); i += 2)
        found = found ||
                (entry[0][1][i].str == "payload" && entry[0][1][i + 1].str == batch[201].payload);
    EXPECT_TRUE(found);
}

TEST_F(admit_batch_test, a_message_sees_what_earlier_ones_of_its_call_charged) {
    set("acme", "quota.email.day", "3");
    std::vector<queue::admission> batch;
    for (int i = 0; i < 5; ++i)
        batch.push_back(
            enqueued_email("acme", email_json("u" + std::to_string(i) + "@example.com")));
    batch.insert(batch.begin() + 1, batch[0]);  // a repeat of the first, in the same call
    const auto answers = admit_all(batch);
    ASSERT_TRUE(answers[0]);
    ASSERT_TRUE(answers[1]);
    EXPECT_TRUE(answers[1]->duplicate);
    EXPECT_EQ(answers[1]->id.str(), answers[0]->id.str());
    EXPECT_TRUE(answers[2] && answers[3]);
    for (std::size_t i = 4; i < answers.size(); ++i) {
        ASSERT_FALSE(answers[i]) << i;
        EXPECT_EQ(answers[i].error().code, make_error_code(errc::quota_exceeded));
    }
    // Written once at the end of the call, with the call's totals.
    const auto day = std::to_string(clk.now_ms() / 86'400'000);
    EXPECT_EQ(server.cmd({"GET", prefix("acme") + ":quota:acme:email:d" + day}).str, "3");
    auto stats = hash(stat_key("acme"));
    EXPECT_EQ(stats["ok"], "3");
    EXPECT_EQ(stats["duplicate"], "1");
    EXPECT_EQ(stats["quota_exceeded"], "2");
    auto usage = hash(prefix("acme") + ":usage:acme");
    EXPECT_EQ(usage["msgs"], "3");
    EXPECT_EQ(usage["bytes"], std::to_string(batch[0].payload.size() + batch[2].payload.size() +
                                             batch[3].payload.size() +
                                             3 * queue::contract::message_overhead_bytes));
    EXPECT_EQ(hash(prefix("acme") + ":rate:acme")["count"], "6");
}

TEST_F(admit_batch_test, the_storage_quota_holds_inside_one_call) {
    set("acme", "storage.max_messages", "2");
    std::vector<queue::admission> batch;
    for (int i = 0; i < 4; ++i)
        batch.push_back(
            enqueued_email("acme", email_json("u" + std::to_string(i) + "@example.com")));
    const auto answers = admit_all(batch);
    EXPECT_TRUE(answers[0] && answers[1]);
    for (std::size_t i = 2; i < answers.size(); ++i) {
        ASSERT_FALSE(answers[i]);
        EXPECT_EQ(answers[i].error().code, make_error_code(errc::storage_quota_exceeded));
    }
    EXPECT_EQ(hash(prefix("acme") + ":usage:acme")["msgs"], "2");
}

TEST_F(admit_batch_test, the_tenant_breaker_trips_mid_call_and_holds_for_the_rest) {
    set("acme", "breaker.rate.floor_per_min", "10");
    set("acme", "dedupe.window_ms", "0");
    clk.set(clk.now_ms() / 60'000 * 60'000 + 60'000);  // one minute throughout
    std::vector<queue::admission> batch;
    for (int i = 0; i < 15; ++i)
        batch.push_back(
            enqueued_email("acme", email_json("u" + std::to_string(i) + "@example.com")));
    batch.push_back(enqueued_email("globex", email_json("x@example.com")));
    const auto answers = admit_all(batch);
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(answers[i]) << i;
    for (int i = 10; i < 15; ++i) {
        ASSERT_FALSE(answers[i]) << i;
        EXPECT_EQ(answers[i].error().code, make_error_code(errc::circuit_open));
    }
    EXPECT_TRUE(answers[15]) << "another tenant is not held";
    auto events =
        server.cmd({"XRANGE", queue::events_key(queue::shard_of("acme", q.shards)), "-", "+"});
    int opened = 0;
    for (const auto& e : events.elements)
        for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
            opened += e[1][i].str == "type" && e[1][i + 1].str == "breaker.opened";
    EXPECT_EQ(opened, 1);
    // The next call sees it open at the cost of its index read.
    EXPECT_FALSE(admit_all({enqueued_email("acme", email_json("late@example.com"))}).front());
}

TEST_F(admit_batch_test, given_and_decoded_recipients_count_alike) {
    // herald's producer gives the recipients; a plain FCALL herald_admit
    // leaves them to the payload. Both count against the same breaker.
    set("acme", "breaker.recipient.max", "3");
    const auto to = std::string("Victim <victim@EXAMPLE.com>");
    ASSERT_TRUE(admit_all({enqueued_email("acme", email_json(to, "a"))}).front());
    ASSERT_TRUE(try_admit("acme", email_json(to, "b")));  // decoded by the function
    ASSERT_TRUE(admit_all({enqueued_email("acme", email_json("victim@example.com", "c"))}).front());
    auto r = try_admit("acme", email_json(to, "d"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("victim@example.com"), std::string::npos) << r.error().detail;
}

TEST_F(admit_batch_test, recipients_over_the_limit_are_refused_whether_given_or_decoded) {
    const auto p = prefix("acme");
    std::string vouched, to;
    for (int i = 0; i < 101; ++i) {  // message_limits::max_recipients is 100
        const auto a = "r" + std::to_string(i) + "@example.com";
        vouched += (i ? "\n" : "") + a;
        to += std::string(i ? "," : "") + "\"" + a + "\"";
    }
    const auto json = R"({"from":"app@example.com","to":[)" + to + R"(],"subject":"s","text":"t"})";
    const std::string huge(100 * 257 + 1, 'x');  // never split: refused by its length
    for (const auto& rcpts : {vouched, std::string(), huge}) {
        auto r = server.cmd({"FCALL", "herald_admit_batch", "1", p, "", "acme", "email", json, "",
                             "", "", rcpts, ""});
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0][1].str, "invalid_message") << rcpts.size();
        EXPECT_NE(r[0][2].str.find("at most 100 recipients"), std::string::npos) << r[0][2].str;
    }
    EXPECT_EQ(total_len(channel::email), 0);
}

TEST_F(admit_batch_test, published_defaults_reach_a_library_that_cached_the_old_ones) {
    const auto json = email_json("a@example.com", "same");
    ASSERT_TRUE(try_admit("acme", json));  // caches the settings: dedupe on
    ASSERT_TRUE(try_admit("acme", json)->duplicate);
    auto ok =
        test::run(ioc, queue::publish_settings(client, q.shards, {{"dedupe.window_ms", "0"}}));
    ASSERT_TRUE(ok) << ok.error().to_string();
    auto again = try_admit("acme", json);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->duplicate) << "dedupe is off now";
}

TEST_F(admit_batch_test, a_malformed_call_is_refused_whole_and_stores_nothing) {
    const auto p = prefix("acme");
    const auto json = email_json("a@example.com");
    // Eight fields per message; six given.
    auto r =
        server.cmd({"FCALL", "herald_admit_batch", "1", p, "", "acme", "email", json, "", "", ""});
    ASSERT_TRUE(r.is_array());
    EXPECT_EQ(r[0].str, "err");
    EXPECT_EQ(r[1].str, "invalid_argument");
    // A bad field refuses its message only.
    // clang-format off
    r = server.cmd({"FCALL", "herald_admit_batch", "1", p, "",
                    "acme", "email", json, "xyz", "", "", "", "",
                    "acme", "fax", json, "", "", "", "", "",
                    "acme", "email", json, "", "", "", "a@example.com", "example.com"});
    // clang-format on
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0][1].str, "invalid_argument");
    EXPECT_EQ(r[1][1].str, "invalid_message");
    EXPECT_EQ(r[2][0].str, "ok");
    EXPECT_EQ(total_len(channel::email), 1);
}

}  // namespace
}  // namespace herald
