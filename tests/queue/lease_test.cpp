// Send leases in Redis (queue/lua/lease.lua, worker.lua), call by call:
// claim, renew, reclaim and settle between two consumers, on the shard's
// service clock, including a real CLIENT PAUSE.
#include "tests/support/queue_fixture.hpp"

#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::email_json;

// Gaps between calls longer than this are not counted; the test's own
// ticks come every 50 ms, so only a real pause is that long.
constexpr std::uint32_t stall_ms = 1000;

struct lease_test : test::queue_fixture {
    message_id id;
    std::string shard, entry;

    void SetUp() override {
        test::queue_fixture::SetUp();
        id = admit("acme", email_json("a@example.com"));
        shard = queue::shard_prefix(id.shard);
        entry = std::to_string(id.ms) + "-" + std::to_string(id.seq);
        server.cmd({"XREADGROUP", "GROUP", "workers", "a", "COUNT", "1", "STREAMS",
                    queue::ingress_key(id.shard, channel::email), ">"});
    }

    std::string claim(const std::string& consumer, std::uint32_t lease_ms) const {
        auto r = server.cmd({"FCALL", "herald_claim", "1", shard, consumer,
                             std::to_string(lease_ms), std::to_string(clk.now_ms()), "3600000",
                             std::to_string(stall_ms), id.str(), "acme", "email", "1", ""});
        return r.is_array() && r.size() == 1 ? r[0].str : "bad answer: " + r.str;
    }
    std::string renew(const std::string& consumer, std::uint32_t lease_ms) const {
        auto r =
            server.cmd({"FCALL", "herald_renew", "1", shard, consumer, std::to_string(lease_ms),
                        "3600000", std::to_string(stall_ms), "workers", "email", entry, id.str()});
        return r.is_array() && r.size() == 1 ? r[0].str : "bad answer: " + r.str;
    }
    // {claimed entries, skipped}
    std::pair<std::size_t, std::int64_t> reclaim(const std::string& consumer,
                                                 std::uint32_t min_idle_ms) const {
        auto r = server.cmd({"FCALL", "herald_reclaim", "1", shard, "email", "workers", consumer,
                             std::to_string(min_idle_ms), "16", "0-0", std::to_string(stall_ms)});
        EXPECT_TRUE(r.is_array() && r.size() == 3) << r.str;
        return {r[1].size(), r[2].integer};
    }
    // {settled, fenced}
    std::pair<std::int64_t, std::int64_t> settle(const std::string& consumer, char kind,
                                                 const std::string& extra) const {
        auto r = server.cmd({"FCALL", "herald_settle", "1", shard, "email", "workers",
                             std::to_string(clk.now_ms()), "600", "100", consumer,
                             std::string(1, kind), entry, id.str(), extra});
        EXPECT_TRUE(r.is_array() && r.size() == 2) << r.str;
        return {r[0].integer, r[1].integer};
    }
    // Lets `ms` pass while other workers keep the service clock ticking.
    void served_for(std::chrono::milliseconds ms) const {
        const auto end = std::chrono::steady_clock::now() + ms;
        while (std::chrono::steady_clock::now() < end) {
            server.cmd({"FCALL", "herald_promote", "1", shard, std::to_string(clk.now_ms()), "16",
                        "100", std::to_string(stall_ms), "600"});
            std::this_thread::sleep_for(50ms);
        }
    }
    std::string owner() const {
        auto r = server.cmd(
            {"XPENDING", queue::ingress_key(id.shard, channel::email), "workers", "-", "+", "1"});
        return r.size() == 1 ? r[0][1].str : "";
    }
};

TEST_F(lease_test, a_renewed_lease_outlives_its_time_and_keeps_the_entry_young) {
    ASSERT_EQ(claim("a", 400), "ok");
    for (int i = 0; i < 8; ++i) {  // 1.2 s, three leases' worth
        served_for(150ms);
        ASSERT_EQ(renew("a", 400), "ok") << "round " << i;
    }
    EXPECT_EQ(reclaim("b", 300).first, 0u) << "renewal keeps the entry's idle time short";
    EXPECT_EQ(claim("b", 400), "busy");
    EXPECT_EQ(owner(), "a");
}

TEST_F(lease_test, a_lapsed_lease_is_reclaimed_and_its_old_holder_loses_it) {
    ASSERT_EQ(claim("a", 200), "ok");
    served_for(400ms);
    EXPECT_EQ(reclaim("b", 100), std::make_pair(std::size_t{1}, std::int64_t{0}));
    EXPECT_EQ(owner(), "b");
    EXPECT_EQ(claim("b", 200), "ok");
    EXPECT_EQ(renew("a", 200), "lost");
    EXPECT_EQ(renew("b", 200), "ok");
}

TEST_F(lease_test, the_reclaimer_leaves_a_live_lease_alone_even_when_its_entry_is_idle) {
    ASSERT_EQ(claim("a", 5000), "ok");
    served_for(300ms);  // idle, but the lease has 4.7 s to go
    EXPECT_EQ(reclaim("b", 100), std::make_pair(std::size_t{0}, std::int64_t{1}));
    EXPECT_EQ(owner(), "a");
}

TEST_F(lease_test, a_lapsed_lease_nobody_took_is_its_holders_again) {
    ASSERT_EQ(claim("a", 200), "ok");
    served_for(400ms);
    EXPECT_EQ(renew("a", 200), "ok");
    EXPECT_EQ(claim("b", 200), "busy");
}

TEST_F(lease_test, time_redis_was_paused_does_not_count_against_a_lease) {
    ASSERT_EQ(claim("a", 1000), "ok");
    served_for(100ms);
    server.cmd({"CLIENT", "PAUSE", "2000", "ALL"});
    // Runs once the pause is over, 2 s later: on Redis's wall clock the
    // lease lapsed, on the service clock only ~100 ms of it passed.
    EXPECT_EQ(claim("b", 1000), "busy");
    EXPECT_EQ(renew("a", 1000), "ok");
}

TEST_F(lease_test, time_redis_served_does_count) {
    ASSERT_EQ(claim("a", 1000), "ok");
    served_for(1300ms);
    EXPECT_EQ(claim("b", 1000), "ok");
}

TEST_F(lease_test, settle_is_fenced_by_the_current_holder_but_a_delivery_is_always_recorded) {
    ASSERT_EQ(claim("a", 200), "ok");
    served_for(400ms);
    ASSERT_EQ(claim("b", 5000), "ok");
    // a's retry and release would take b's message from under it: fenced.
    EXPECT_EQ(settle("a", 'R', std::to_string(clk.now_ms() + 1000) + "|451 later"),
              std::make_pair(std::int64_t{0}, std::int64_t{1}));
    EXPECT_EQ(settle("a", 'U', "-"), std::make_pair(std::int64_t{0}, std::int64_t{1}));
    EXPECT_EQ(count({"ZCARD", shard + ":retry"}), 0);
    EXPECT_EQ(total_len(channel::email), 1);
    // a delivered before it lost the lease: that is a fact, recorded, and
    // it ends the message's lease: b learns it at its next renewal.
    EXPECT_EQ(settle("a", 'D', "acme|100"), std::make_pair(std::int64_t{1}, std::int64_t{0}));
    EXPECT_EQ(count({"EXISTS", shard + ":done:" + id.str()}), 1);
    EXPECT_EQ(claim("a", 200), "done");
    EXPECT_EQ(renew("b", 5000), "gone") << "b gives up before its commit";
}

TEST_F(lease_test, reclaim_acknowledges_entries_deleted_while_pending) {
    server.cmd({"XDEL", queue::ingress_key(id.shard, channel::email), entry});
    served_for(150ms);
    EXPECT_EQ(reclaim("b", 100).first, 0u);
    auto r = server.cmd({"XPENDING", queue::ingress_key(id.shard, channel::email), "workers"});
    EXPECT_EQ(r[0].integer, 0);
}

}  // namespace
}  // namespace herald
