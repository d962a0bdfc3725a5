// Never twice (issue 15): `herald work` processes relaying to a real SMTP
// server (smtp_capture_server.py) that is slow on purpose, on a real Redis.
// A peer that answers the final dot long after the lease and the reclaim
// idle time, a worker SIGSTOPped past its lease before its final dot, and
// a Redis paused (CLIENT PAUSE) right after the peer took the message:
// each time the peer is handed the message exactly once.
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/queue_fixture.hpp"
#include "tests/support/worker_process.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct never_twice_test : test::queue_fixture {
    test::scratch_dir dir{"herald-never-twice"};
    fs::path config = dir.path() / "herald.toml";

    void SetUp() override {
        use_process_lease_timings();
        test::queue_fixture::SetUp();
    }

    void write_config(const test::capture_server& peer) {
        std::ofstream(config) << relay_config(2000, peer.port());
    }

    test::worker_process start(const std::string& name) {
        return test::worker_process(HERALD_BIN, config, log_of(name));
    }
    fs::path log_of(const std::string& name) const { return dir.path() / (name + ".log"); }
    std::string log_text(const std::string& name) const { return test::read_file(log_of(name)); }

    // Delivered: the marker is written and the entry is gone.
    bool settled(const message_id& id) {
        return total_len(channel::email) == 0 &&
               count({"EXISTS", queue::shard_prefix(id.shard) + ":done:" + id.str()}) == 1;
    }

    static bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!cond()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    // The message settles, and stays handed over once for long enough for a
    // wrongful reclaim and second send to show: past the reclaim idle time
    // and another lease.
    void expect_handed_once(const test::capture_server& peer, const message_id& id,
                            std::chrono::milliseconds limit) {
        ASSERT_TRUE(wait_for([&] { return settled(id); }, limit)) << log_text("a") << log_text("b");
        std::this_thread::sleep_for(std::chrono::milliseconds(q.reclaim_idle_ms + q.lease_ms));
        EXPECT_EQ(peer.state_value("handed"), 1) << log_text("a") << log_text("b");
    }

    static void stop_cleanly(test::worker_process& a, test::worker_process& b) {
        a.signal(SIGTERM);
        b.signal(SIGTERM);
        EXPECT_EQ(a.wait(), 0);
        EXPECT_EQ(b.wait(), 0);
    }
};

struct slow_peer_test : never_twice_test, ::testing::WithParamInterface<int> {};

// Two workers; the peer answers the final dot after 3 x lease_ms, then
// after 3 x reclaim_idle_ms. The first worker renews its lease all along,
// so the second never takes the message.
TEST_P(slow_peer_test, two_workers_hand_a_slow_peer_the_message_once) {
    const double delay_s = GetParam() / 1000.0;
    test::capture_server peer({"--dot-delay", std::to_string(delay_s)});
    write_config(peer);
    auto a = start("a");
    auto b = start("b");
    auto id = admit("acme", test::email_json("someone@example.com"));
    ASSERT_TRUE(wait_for([&] { return peer.state_value("handed") >= 1; }, 20s))
        << log_text("a") << log_text("b");
    expect_handed_once(peer, id, std::chrono::milliseconds(GetParam() + 10000));
    EXPECT_EQ(peer.state_value("messages"), 1);
    stop_cleanly(a, b);
}

INSTANTIATE_TEST_SUITE_P(lease_and_reclaim_multiples, slow_peer_test,
                         ::testing::Values(3 * 2000, 3 * 2500));

// A worker stopped before its final dot for longer than its lease: the
// other worker reclaims and sends; woken, the first gives up at the final
// dot instead of sending a second copy.
TEST_F(never_twice_test, a_worker_stopped_past_its_lease_does_not_send_after_waking) {
    test::capture_server peer({"--data-delay", "4"});
    write_config(peer);
    auto a = start("a");
    auto id = admit("acme", test::email_json("someone@example.com"));
    ASSERT_TRUE(wait_for([&] { return fs::exists(peer.dir() / "data.1"); }, 20s));
    a.signal(SIGSTOP);  // waiting for the peer's 354, before the final dot
    auto b = start("b");
    ASSERT_TRUE(wait_for([&] { return fs::exists(peer.dir() / "data.2"); }, 20s))
        << "the second worker should have reclaimed the message: " << log_text("b");
    a.signal(SIGCONT);
    expect_handed_once(peer, id, 20s);
    const auto woken = log_text("a");
    EXPECT_NE(woken.find("event=delivery.lease_lost"), std::string::npos)
        << "the stopped worker should give the send up at the final dot: " << woken;
    stop_cleanly(a, b);
}

// Redis paused (CLIENT PAUSE, longer than reclaim_idle_ms) while the peer
// takes the message: the delivered marker cannot be written and no lease
// renewed until Redis answers again, yet no worker sends a second copy,
// because the pause does not count on the service clock.
TEST_F(never_twice_test, a_settle_held_up_by_a_redis_pause_is_not_followed_by_a_second_send) {
    test::capture_server peer({"--dot-delay", "1"});
    write_config(peer);
    auto a = start("a");
    auto b = start("b");
    auto id = admit("acme", test::email_json("someone@example.com"));
    ASSERT_TRUE(wait_for([&] { return fs::exists(peer.dir() / "dot.1"); }, 20s));
    const auto pause_ms = 3 * q.reclaim_idle_ms;
    server.cmd({"CLIENT", "PAUSE", std::to_string(pause_ms), "ALL"});
    ASSERT_TRUE(wait_for([&] { return peer.state_value("messages") == 1; }, 5s))
        << "the peer accepts while Redis is paused";
    expect_handed_once(peer, id, 30s);
    const auto logs = log_text("a") + log_text("b");
    EXPECT_NE(logs.find("settle.retry"), std::string::npos)
        << "the settle should have waited for Redis: " << logs;
    stop_cleanly(a, b);
}

// SIGTERM while Redis does not answer (CLIENT PAUSE) and the peer takes
// the message: the worker waits for the committed send's answer, cannot
// write the outcome, gives up at the drain deadline (2 s), says how many
// and exits 1. The entry stays pending for another worker.
TEST_F(never_twice_test, sigterm_with_redis_paused_drains_within_the_deadline_and_exits_1) {
    test::capture_server peer({"--dot-delay", "1"});
    write_config(peer);
    auto a = start("a");
    admit("acme", test::email_json("someone@example.com"));
    ASSERT_TRUE(wait_for([&] { return fs::exists(peer.dir() / "dot.1"); }, 20s));
    server.cmd({"CLIENT", "PAUSE", "9000", "ALL"});
    a.signal(SIGTERM);
    const auto stopped_at = std::chrono::steady_clock::now();
    EXPECT_EQ(a.wait(8s), 1) << log_text("a");
    EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 8s);
    EXPECT_NE(log_text("a").find("event=worker.unsettled count=1"), std::string::npos)
        << log_text("a");
    EXPECT_EQ(peer.state_value("messages"), 1) << "the committed send was awaited";
}

}  // namespace
}  // namespace herald
