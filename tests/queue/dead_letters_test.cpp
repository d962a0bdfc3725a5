// One tenant's dead letters (queue/dead_letters.hpp) on a shard shared with
// another tenant: listed newest first and in pages, requeued as a fresh
// message and then delivered, charged to the storage quota again (which
// may refuse), another tenant's id refused; purged in bounded calls,
// counting what went, leaving the other tenant's.
#include "queue/dead_letters.hpp"
#include "queue/status.hpp"
#include "tests/support/queue_fixture.hpp"

namespace herald {
namespace {

using test::email_json;

struct dead_letters_test : test::queue_fixture {
    std::string other = neighbour_of("acme");

    // Admits one message per subject for the tenant and bounces them all.
    std::vector<message_id> bounce(const std::string& tenant, int n) {
        std::vector<message_id> ids;
        for (int i = 0; i < n; ++i)
            ids.push_back(admit(tenant, email_json("x@example.com", tenant + std::to_string(i))));
        test::scripted_transport t;
        t.script = [](const delivery&) { return outcome::bounced("reply_permanent", "550 no"); };
        const auto want = dead_count() + n;
        EXPECT_TRUE(run_worker(t, [&] { return dead_count() == want; }));
        return ids;
    }
    queue::dead_page list(const std::string& tenant, const std::string& cursor = "",
                          std::size_t limit = 100) {
        auto r = test::run(ioc, queue::list_dead(client, q.shards, tenant, cursor, limit));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : queue::dead_page{};
    }
    std::vector<message_id> ids_of(const queue::dead_page& p) {
        std::vector<message_id> out;
        for (const auto& d : p.items)
            out.push_back(d.id);
        return out;
    }
    result<bool> requeue(const std::string& tenant, const message_id& id) {
        return test::run(ioc, queue::requeue_dead(client, q.shards, tenant, id));
    }
};

TEST_F(dead_letters_test, lists_only_the_tenants_own_newest_first_and_in_pages) {
    auto mine = bounce("acme", 3);
    auto theirs = bounce(other, 2);
    auto all = list("acme");
    EXPECT_TRUE(all.next_cursor.empty());
    EXPECT_EQ(ids_of(all), (std::vector<message_id>{mine[2], mine[1], mine[0]}));
    for (const auto& d : all.items) {
        EXPECT_EQ(d.reason, "bounced");
        EXPECT_NE(d.detail.find("550 no"), std::string::npos);
        EXPECT_EQ(d.attempts, 1u);
        EXPECT_GT(d.died_ms, 0);
    }
    EXPECT_EQ(ids_of(list(other)), (std::vector<message_id>{theirs[1], theirs[0]}));
    auto first = list("acme", "", 2);
    EXPECT_EQ(ids_of(first), (std::vector<message_id>{mine[2], mine[1]}));
    ASSERT_FALSE(first.next_cursor.empty());
    auto second = list("acme", first.next_cursor, 2);
    EXPECT_EQ(ids_of(second), (std::vector<message_id>{mine[0]}));
    EXPECT_TRUE(list("globex").items.empty());
    auto bad = test::run(ioc, queue::list_dead(client, q.shards, "acme", "0-0 junk", 10));
    EXPECT_FALSE(bad);
}

TEST_F(dead_letters_test, requeue_sends_it_again_as_a_fresh_message) {
    auto ids = bounce("acme", 2);
    auto theirs = bounce(other, 1);
    auto r = requeue(other, ids[0]);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "another tenant's dead letter";
    message_id made_up = ids[0];
    made_up.seq += 9;
    r = requeue("acme", made_up);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);

    r = requeue("acme", ids[0]);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(*r);
    EXPECT_EQ(ids_of(list("acme")), std::vector<message_id>{ids[1]}) << "gone from the dead";
    EXPECT_EQ(ids_of(list(other)), theirs);
    auto usage = server.cmd({"HGET", prefix("acme") + ":usage:acme", "msgs"});
    EXPECT_EQ(usage.str, "1") << "charged to the storage quota again";
    auto s = test::run(ioc, queue::read_status(client, q.shards, "acme", ids[0]));
    ASSERT_TRUE(s && *s);
    EXPECT_EQ((*s)->state, queue::message_state::queued);
    EXPECT_EQ((*s)->attempts, 0u) << "a fresh start";

    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls_for(ids[0].str()) == 1; }));
    s = test::run(ioc, queue::read_status(client, q.shards, "acme", ids[0]));
    ASSERT_TRUE(s && *s);
    EXPECT_EQ((*s)->state, queue::message_state::delivered);
    EXPECT_EQ(t.attempts_seen[ids[0].str()], 0);
    EXPECT_EQ(count({"EXISTS", prefix("acme") + ":usage:acme"}), 0) << "released on delivery";
    r = requeue("acme", ids[0]);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "delivered, no longer dead";
}

TEST_F(dead_letters_test, requeue_is_refused_by_a_full_storage_quota) {
    auto ids = bounce("acme", 1);
    set("acme", "storage.max_messages", "1");
    admit("acme", email_json("y@example.com", "fills the quota"));
    auto r = requeue("acme", ids[0]);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::storage_quota_exceeded));
    EXPECT_EQ(ids_of(list("acme")), ids) << "still dead";
}

// A dead letter whose status record is gone is still found among the newest.
TEST_F(dead_letters_test, requeue_finds_a_dead_letter_without_its_status_record) {
    auto ids = bounce("acme", 1);
    server.cmd({"DEL", queue::status_key(ids[0].shard, ids[0].str())});
    auto r = requeue("acme", ids[0]);
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r);
}

TEST_F(dead_letters_test, purge_removes_only_the_tenants_own_in_bounded_calls) {
    bounce("acme", 2);
    auto theirs = bounce(other, 1);
    // More than one call's worth, written as the worker would.
    const auto shard = queue::shard_of("acme", q.shards);
    const std::size_t extra = queue::contract::dead_scan + 5;
    for (std::size_t i = 0; i < extra; ++i)
        server.cmd({"XADD", queue::dead_key(shard), "*", "tenant", "acme", "id",
                    "1-" + std::to_string(i) + "-e" + std::to_string(shard), "reason", "bounced"});
    auto n = test::run(ioc, queue::purge_dead(client, q.shards, "acme"));
    ASSERT_TRUE(n) << n.error().to_string();
    EXPECT_EQ(*n, extra + 2);
    EXPECT_TRUE(list("acme").items.empty());
    EXPECT_EQ(ids_of(list(other)), theirs);
    n = test::run(ioc, queue::purge_dead(client, q.shards, "acme"));
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
}

}  // namespace
}  // namespace herald
