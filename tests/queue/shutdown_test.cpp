// How fast `herald work` with the smtp transport exits on SIGTERM once
// nothing is in flight: a drill found it lingering ~21 s after
// worker.stopped. Idle pooled connections get QUIT at the drain, a peer
// slow to answer QUIT does not hold the exit, and nothing else may.
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

struct shutdown_test : test::queue_fixture {
    test::scratch_dir dir{"herald-shutdown"};
    fs::path config = dir.path() / "herald.toml";
    fs::path log = dir.path() / "worker.log";
    // Answers QUIT after 20 s, as a tarpit would.
    test::capture_server peer{{"--quit-delay", "20"}};

    void SetUp() override {
        use_process_lease_timings();
        test::queue_fixture::SetUp();
        std::ofstream(config) << relay_config(5000, peer.port());
    }

    static bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!cond()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    bool logged(std::string_view what) const {
        return test::read_file(log).find(what) != std::string::npos;
    }

    // SIGTERM, then the time until the process is gone (bounded).
    std::chrono::milliseconds time_to_exit(test::worker_process& w, int& status) {
        const auto start = std::chrono::steady_clock::now();
        w.signal(SIGTERM);
        status = w.wait(30s);
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
    }
};

TEST_F(shutdown_test, an_idle_smtp_worker_exits_within_seconds_of_sigterm) {
    test::worker_process w(HERALD_BIN, config, log);
    ASSERT_TRUE(wait_for([&] { return logged("worker.started"); }, 10s)) << test::read_file(log);
    int status = -1;
    const auto took = time_to_exit(w, status);
    EXPECT_EQ(status, 0) << test::read_file(log);
    EXPECT_LT(took, 5s) << took.count() << " ms\n" << test::read_file(log);
}

TEST_F(shutdown_test, idle_pooled_connections_get_quit_and_do_not_hold_the_exit) {
    admit("acme", test::email_json("u@x.example"));
    test::worker_process w(HERALD_BIN, config, log);
    // Delivered: one connection now idles in the pool (smtp.idle_timeout_ms
    // is 30 s by default).
    ASSERT_TRUE(wait_for(
        [&] { return peer.state_value("messages") == 1 && total_len(channel::email) == 0; }, 15s))
        << test::read_file(log);
    int status = -1;
    const auto took = time_to_exit(w, status);
    EXPECT_EQ(status, 0) << test::read_file(log);
    EXPECT_LT(took, 5s) << took.count() << " ms\n" << test::read_file(log);
    EXPECT_EQ(peer.state_value("quits"), 1) << "the idle connection was closed with QUIT";
}

}  // namespace
}  // namespace herald
