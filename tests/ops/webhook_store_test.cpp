// The webhook queues in Redis (ops/lua/webhooks.lua) on a real
// redis-server: endpoints within their cap, batches stored in the same
// call that acknowledges their events, one claim per endpoint at a time,
// retries, dead letters within dead_max, replay, and every webhook key
// bounded (a TTL or a cap) after all of it.
#include "ops/webhook_store.hpp"
#include "ops/webhook_errors.hpp"
#include "ops/webhook_signature.hpp"
#include "queue/keys.hpp"
#include "tests/support/queue_fixture.hpp"

#include <thread>

namespace herald::ops {
namespace {

using namespace std::chrono_literals;

struct webhook_store_test : test::queue_fixture {
    const std::string tenant = "acme";
    std::uint32_t shard() const { return queue::shard_of(tenant, q.shards); }

    webhook_endpoint endpoint(const std::string& url = "https://h.example/x") {
        return {new_endpoint_id(), url, {}, new_webhook_secret(), wall_clock{}.now_ms(), 0};
    }
    std::string add(std::uint32_t max = 10) {
        auto e = endpoint();
        auto r = test::run(ioc, add_endpoint(client, q.shards, tenant, e, max));
        EXPECT_TRUE(r) << r.error().to_string();
        return e.id;
    }
    // Entries written to the events stream and read by the group, as a
    // dispatcher would have them: their ids.
    std::vector<std::string> read_events(int n) {
        const auto stream = queue::events_key(shard());
        server.cmd({"XGROUP", "CREATE", stream, "webhooks", "$", "MKSTREAM"});
        for (int i = 0; i < n; ++i)
            server.cmd({"XADD", stream, "*", "type", "message.delivered", "tenant", tenant});
        auto r = server.cmd({"XREADGROUP", "GROUP", "webhooks", "d1", "STREAMS", stream, ">"});
        std::vector<std::string> ids;
        for (const auto& e : r[0][1].elements)
            ids.push_back(e[0].str);
        return ids;
    }
    store_answer store(const std::vector<std::string>& ids,
                       const std::vector<batch_to_store>& batches, std::uint32_t max_pending = 10,
                       std::uint32_t dead_max = 10) {
        auto r = test::run(ioc, store_batches(client, shard(), wall_clock{}.now_ms(), max_pending,
                                              dead_max, ids, batches));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : store_answer{};
    }
    std::vector<claimed_batch> claim(std::int64_t lease_ms = 10000, const std::string& who = "d1") {
        auto r = test::run(
            ioc, claim_batches(client, shard(), wall_clock{}.now_ms(), lease_ms, 10, who));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : std::vector<claimed_batch>{};
    }
    bool settle(const claimed_batch& b, batch_fate fate, std::int64_t due = 0,
                std::uint32_t dead_max = 10, const std::string& who = "d1") {
        auto r = test::run(ioc, settle_batch(client, b, who, wall_clock{}.now_ms(), fate, due,
                                             "HTTP 503", dead_max));
        EXPECT_TRUE(r) << r.error().to_string();
        return r && *r;
    }
    dead_batches dead() {
        auto r = test::run(ioc, list_dead_batches(client, q.shards, tenant, 100));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : dead_batches{};
    }
    std::int64_t pending(const std::string& ep) {
        return count({"ZCARD", queue::webhook_queue_key(shard(), tenant, ep)});
    }
};

TEST_F(webhook_store_test, endpoints_are_capped_listed_without_secrets_and_removed) {
    const auto a = add(2);
    const auto b = add(2);
    auto third = test::run(ioc, add_endpoint(client, q.shards, tenant, endpoint(), 2));
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().name(), "webhook_limit");
    EXPECT_EQ(third.error().http_status(), 409);
    auto list = test::run(ioc, list_endpoints(client, q.shards, tenant));
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ(test::run(ioc, list_endpoints(client, q.shards, "other"))->size(), 0u);

    auto unknown = test::run(ioc, remove_endpoint(client, q.shards, tenant, "we_nope"));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().name(), "webhook_not_found");
    EXPECT_EQ(unknown.error().field, "id");
    EXPECT_EQ(unknown.error().http_status(), 404);
    // Another tenant cannot remove it.
    EXPECT_FALSE(test::run(ioc, remove_endpoint(client, q.shards, "other", a)));
    ASSERT_TRUE(test::run(ioc, remove_endpoint(client, q.shards, tenant, a)));
    EXPECT_TRUE(test::run(ioc, add_endpoint(client, q.shards, tenant, endpoint(), 2)));
    (void)b;
}

TEST_F(webhook_store_test, batches_are_stored_with_their_events_acked_and_pending_is_capped) {
    const auto ep = add();
    const auto ids = read_events(5);
    ASSERT_EQ(ids.size(), 5u);
    std::vector<batch_to_store> batches;
    for (int i = 0; i < 5; ++i)
        batches.push_back(
            {tenant, ep, "b" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}"});
    // A batch for an endpoint removed meanwhile is dropped, its events acked.
    batches.push_back({tenant, "we_gone", "bx", "{}"});
    const auto a = store(ids, batches, /*max_pending=*/3, /*dead_max=*/1);
    EXPECT_EQ(a.acked, 5);
    EXPECT_EQ(a.stored, 5);
    EXPECT_EQ(a.overflowed, 2);  // b0 and b1 pushed out, oldest first
    EXPECT_EQ(a.dropped, 1);     // dead_max 1: b0's dead letter made room for b1's
    EXPECT_EQ(a.overflowed_by, (std::vector<std::int64_t>{0, 0, 0, 1, 1, 0}));
    EXPECT_EQ(server.cmd({"XPENDING", queue::events_key(shard()), "webhooks"})[0].integer, 0)
        << "nothing left unacknowledged";
    EXPECT_EQ(pending(ep), 3);
    const auto d = dead();
    EXPECT_EQ(d.total, 1);
    EXPECT_EQ(d.dropped, 1);
    EXPECT_EQ(d.overflowed, 2);
    ASSERT_EQ(d.items.size(), 1u);
    EXPECT_EQ(d.items[0].id, "b1");
    EXPECT_EQ(d.items[0].reason, "overflow");
    EXPECT_EQ(d.items[0].body, "{\"n\":1}");
    // Storing the same batch again (a retried call) changes nothing.
    const auto again = store({}, {{tenant, ep, "b4", "{}"}});
    EXPECT_EQ(pending(ep), 3);
    EXPECT_EQ(again.overflowed, 0);
}

TEST_F(webhook_store_test, one_claim_per_endpoint_until_settled_or_its_lease_lapses) {
    const auto a = add();
    const auto b = add();
    store({}, {{tenant, a, "a1", "{\"a\":1}"},
               {tenant, a, "a2", "{\"a\":2}"},
               {tenant, b, "b1", "{\"b\":1}"}});
    auto first = claim();
    ASSERT_EQ(first.size(), 2u) << "one batch of each endpoint";
    std::map<std::string, claimed_batch> by_ep;
    for (const auto& c : first)
        by_ep[c.endpoint.id] = c;
    ASSERT_TRUE(by_ep.contains(a) && by_ep.contains(b));
    EXPECT_EQ(by_ep[a].id, "a1");
    EXPECT_EQ(by_ep[a].body, "{\"a\":1}");
    EXPECT_EQ(by_ep[a].attempts, 0);
    EXPECT_GT(by_ep[a].first_try_ms, 0);
    EXPECT_FALSE(by_ep[a].endpoint.secret.empty());
    EXPECT_TRUE(claim(10000, "d2").empty()) << "both endpoints are held";

    EXPECT_TRUE(settle(by_ep[a], batch_fate::delivered));
    auto next = claim(10000, "d2");
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].id, "a2");
    EXPECT_FALSE(settle(by_ep[a], batch_fate::delivered)) << "settled once only";

    // b's sender dies: its lease lapses and the batch is claimed again.
    auto short_lease = claim();  // nothing due: a is held by d2, b by d1
    EXPECT_TRUE(short_lease.empty());
    server.cmd({"PEXPIRE", queue::webhook_lease_key(shard(), tenant, b), "1"});
    server.cmd({"ZADD", queue::webhook_due_key(shard()), "0", tenant + " " + b});
    std::this_thread::sleep_for(20ms);
    auto again = claim(10000, "d3");
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, "b1");
    EXPECT_GT(count({"PTTL", queue::webhook_lease_key(shard(), tenant, b)}), 0);
}

TEST_F(webhook_store_test, retries_count_attempts_then_dead_letters_replay_once) {
    const auto ep = add();
    store({}, {{tenant, ep, "b1", "{\"x\":1}"}});
    auto c = claim();
    ASSERT_EQ(c.size(), 1u);
    const auto later = wall_clock{}.now_ms() + 60000;
    EXPECT_TRUE(settle(c[0], batch_fate::retry, later));
    EXPECT_TRUE(claim().empty()) << "not due before its backoff";
    EXPECT_EQ(server.cmd({"ZSCORE", queue::webhook_queue_key(shard(), tenant, ep), "b1"}).str,
              std::to_string(later));
    // The endpoint itself waits out the backoff: nothing else of it is claimed.
    EXPECT_GT(count({"PTTL", queue::webhook_lease_key(shard(), tenant, ep)}), 50000);
    store({}, {{tenant, ep, "b2", "{}"}});
    EXPECT_TRUE(claim().empty()) << "a batch due now still waits for the endpoint's backoff";
    server.cmd({"DEL", queue::webhook_lease_key(shard(), tenant, ep)});
    server.cmd({"ZADD", queue::webhook_queue_key(shard(), tenant, ep), "0", "b1"});
    server.cmd({"ZADD", queue::webhook_due_key(shard()), "0", tenant + " " + ep});
    c = claim();
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].attempts, 1);
    EXPECT_TRUE(settle(c[0], batch_fate::dead));
    EXPECT_EQ(pending(ep), 1) << "b2";
    auto d = dead();
    ASSERT_EQ(d.items.size(), 1u);
    EXPECT_EQ(d.items[0].reason, "retry_budget");
    EXPECT_EQ(d.items[0].detail, "HTTP 503");
    EXPECT_EQ(d.items[0].attempts, 2);
    EXPECT_EQ(d.items[0].endpoint, ep);

    auto unknown = test::run(
        ioc, replay_dead_batches(client, q.shards, tenant, "nope", wall_clock{}.now_ms(), 10, 10));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().name(), "batch_not_found");
    EXPECT_EQ(unknown.error().http_status(), 404);
    auto r = test::run(
        ioc, replay_dead_batches(client, q.shards, tenant, "b1", wall_clock{}.now_ms(), 10, 10));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->count, 1);
    EXPECT_EQ(dead().total, 0);
    ASSERT_TRUE(settle(claim().at(0), batch_fate::delivered));  // b2
    c = claim();
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].id, "b1");
    EXPECT_EQ(c[0].attempts, 0) << "a replayed batch starts afresh";
    EXPECT_EQ(c[0].body, "{\"x\":1}");
    EXPECT_TRUE(settle(c[0], batch_fate::delivered));
    auto none = test::run(
        ioc, replay_dead_batches(client, q.shards, tenant, "b1", wall_clock{}.now_ms(), 10, 10));
    EXPECT_FALSE(none) << "delivered: no longer dead, not replayed twice";
}

TEST_F(webhook_store_test, replay_all_leaves_batches_of_removed_endpoints_dead) {
    const auto keep = add();
    const auto gone = add();
    store({}, {{tenant, keep, "k1", "{}"}, {tenant, gone, "g1", "{}"}});
    for (const auto& c : claim())
        settle(c, batch_fate::dead);
    ASSERT_EQ(dead().total, 2);
    ASSERT_TRUE(test::run(ioc, remove_endpoint(client, q.shards, tenant, gone)));
    auto r = test::run(
        ioc, replay_dead_batches(client, q.shards, tenant, "", wall_clock{}.now_ms(), 10, 10));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->count, 1);
    EXPECT_EQ(r->endpoint_gone, std::vector<std::string>{"g1"});
    EXPECT_EQ(pending(keep), 1);
    EXPECT_EQ(dead().total, 1);
}

TEST_F(webhook_store_test, every_webhook_key_has_a_ttl_or_stays_within_its_cap) {
    constexpr std::uint32_t max_endpoints = 3, max_pending = 4, dead_max = 5;
    std::vector<std::string> eps;
    for (std::uint32_t i = 0; i < max_endpoints + 2; ++i) {
        auto e = endpoint();
        if (test::run(ioc, add_endpoint(client, q.shards, tenant, e, max_endpoints)))
            eps.push_back(e.id);
    }
    ASSERT_EQ(eps.size(), max_endpoints);
    for (int round = 0; round < 20; ++round) {
        std::vector<batch_to_store> batches;
        for (const auto& ep : eps)
            batches.push_back({tenant, ep, "r" + std::to_string(round) + ep, "{}"});
        store(read_events(2), batches, max_pending, dead_max);
        for (const auto& c : claim(100))
            settle(c, round % 3 == 0 ? batch_fate::dead : batch_fate::retry, 0, dead_max);
    }
    const auto s = shard();
    EXPECT_EQ(count({"HLEN", queue::webhooks_key(s, tenant)}), max_endpoints);
    for (const auto& ep : eps) {
        EXPECT_LE(pending(ep), max_pending);
        EXPECT_EQ(count({"HLEN", queue::webhook_batches_key(s, tenant, ep)}), pending(ep));
        EXPECT_EQ(count({"PTTL", queue::webhook_lease_key(s, tenant, ep)}), -2)
            << "settled: no lease left";
    }
    EXPECT_LE(count({"ZCARD", queue::webhook_due_key(s)}), max_endpoints);
    EXPECT_EQ(count({"ZCARD", queue::webhook_dead_key(s, tenant)}), dead_max);
    EXPECT_EQ(count({"HLEN", queue::webhook_dead_batches_key(s, tenant)}), dead_max);
    EXPECT_LE(count({"HLEN", queue::webhook_stats_key(s, tenant)}), 2);
    // A claimed batch's lease always expires.
    auto held = claim(60000);
    ASSERT_FALSE(held.empty());
    const auto ttl = count({"PTTL", queue::webhook_lease_key(s, tenant, held[0].endpoint.id)});
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 60000);
}

}  // namespace
}  // namespace herald::ops
