// herald worker processes against a real Redis: killed with SIGKILL in the
// middle of batches (another worker reclaims, every message is captured
// exactly once), stopped with SIGTERM under load (nothing lost, no lease
// left behind), and Redis restarted under a running worker.
#include "tests/support/queue_fixture.hpp"
#include "tests/support/worker_process.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A `herald work` process on this test's config.
struct worker_process : test::worker_process {
    worker_process(const fs::path& config, const fs::path& log)
        : test::worker_process(HERALD_BIN, config, log) {}
};

struct process_test : test::queue_fixture {
    fs::path dir = fs::temp_directory_path() / ("herald-proc-" + std::to_string(::getpid()));
    fs::path capture = dir / "capture";
    fs::path config = dir / "herald.toml";
    fs::path log = dir / "worker.log";

    void SetUp() override {
        use_process_lease_timings();
        q.batch = 32;
        q.inflight = 64;
        test::queue_fixture::SetUp();
        fs::create_directories(capture);
        std::ofstream(config) << process_config(5000)
                              << "[transport]\nkind = \"capture\"\ncapture_dir = \""
                              << capture.string() << "\"\n[log]\nlevel = \"warn\"\n";
    }
    void TearDown() override { fs::remove_all(dir); }

    // Message i: its own tenant (of 7), recipient and sequence number.
    static queue::admission numbered(int i) {
        const std::string n = std::to_string(i);
        return {.tenant = "tenant" + std::to_string(i % 7),
                .ch = channel::email,
                .payload = R"({"from":"app@example.com","to":["u)" + n +
                           R"(@example.com"],"subject":"s","text":"t","metadata":{"seq":")" + n +
                           R"("}})"};
    }

    // Admits n messages, pipelined.
    void admit_many(int n) { admit_more(0, n); }
    // Admits messages first .. first + n - 1.
    void admit_more(int first, int n) {
        queue::producer p(client, q.shards);
        for (int from = first; from < first + n; from += 500) {
            std::vector<queue::admission> batch;
            for (int i = from; i < std::min(first + n, from + 500); ++i)
                batch.push_back(numbered(i));
            auto r = test::run(ioc, p.admit_batch(batch));
            for (auto& x : r)
                ASSERT_TRUE(x) << x.error().to_string();
        }
    }

    std::size_t captured() const {
        std::size_t n = 0;
        for (const auto& f : fs::directory_iterator(capture))
            n += f.path().extension() == ".json";
        return n;
    }

    // Every captured file's sequence number; fails on a malformed file.
    std::multiset<int> captured_seqs() const {
        std::multiset<int> seqs;
        for (const auto& f : fs::directory_iterator(capture)) {
            if (f.path().extension() != ".json") continue;
            std::ifstream in(f.path());
            std::string s((std::istreambuf_iterator<char>(in)), {});
            auto doc = boost::json::parse(s).as_object();
            EXPECT_EQ(std::string(doc.at("id").as_string()) + ".json",
                      f.path().filename().string());
            seqs.insert(
                std::stoi(std::string(doc.at("message").at("metadata").at("seq").as_string())));
        }
        return seqs;
    }

    std::int64_t leases() const {
        auto r = server.cmd({"EVAL", "return #redis.call('KEYS', 'hd:*:lease:*')", "0"});
        return r.integer;
    }

    void expect_exactly_once(int n) {
        auto seqs = captured_seqs();
        EXPECT_EQ(seqs.size(), static_cast<std::size_t>(n)) << "total captured";
        EXPECT_EQ(std::set<int>(seqs.begin(), seqs.end()).size(), static_cast<std::size_t>(n))
            << "distinct";
        EXPECT_EQ(*seqs.begin(), 0);
        EXPECT_EQ(*seqs.rbegin(), n - 1);
        EXPECT_EQ(total_len(channel::email), 0);
        EXPECT_EQ(dead_count(), 0);
    }

    bool wait_for(const std::function<bool()>& cond, std::chrono::seconds limit = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!cond()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }
};

TEST_F(process_test, sigkill_mid_batch_then_reclaim_delivers_every_message_exactly_once) {
    constexpr int n = 4000;
    admit_many(n);
    std::mt19937 rng(42);
    // Kill a worker five times, each after it has captured some more.
    for (int round = 0; round < 5; ++round) {
        const auto before = captured();
        worker_process w(config, log);
        ASSERT_TRUE(wait_for([&] { return captured() >= before + 200; }, 30s))
            << "round " << round << " made no progress";
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
        w.signal(SIGKILL);
        EXPECT_EQ(w.wait(), 128 + SIGKILL);
    }
    ASSERT_LT(captured(), static_cast<std::size_t>(n)) << "the kills should land mid-run";
    // Storage accounting stayed exact through the kills: a recount finds
    // nothing to correct.
    for (std::uint32_t s = 0; s < q.shards; ++s) {
        auto r =
            server.cmd({"FCALL", "herald_usage_recount", "1", queue::shard_prefix(s), "100000"});
        EXPECT_EQ(r[2].integer, 0) << "shard " << s;
    }
    worker_process last(config, log);
    ASSERT_TRUE(wait_for([&] { return captured() == n && total_len(channel::email) == 0; }))
        << captured() << " of " << n;
    last.signal(SIGTERM);
    EXPECT_EQ(last.wait(), 0);
    expect_exactly_once(n);
    EXPECT_EQ(leases(), 0);
    EXPECT_EQ(server.cmd({"EVAL", "return #redis.call('KEYS', 'hd:*:usage:*')", "0"}).integer, 0)
        << "every tenant's queued bytes released";
    // The crash window (sent, not yet marked) measured: capture is an
    // idempotent receiver, so a resend shows as a replay, not a duplicate.
    std::ifstream in(log);
    std::string line;
    int replays = 0;
    while (std::getline(in, line)) {
        replays += line.find("capture.replayed") != std::string::npos;
    }
    std::cout << "[ measure  ] " << replays << " replayed sends of " << n << " after 5 SIGKILLs\n";
    RecordProperty("replays", replays);
}

TEST_F(process_test, sigterm_under_load_drains_loses_nothing_and_leaves_no_lease) {
    constexpr int n = 3000;
    admit_many(n);
    {
        worker_process w(config, log);
        ASSERT_TRUE(wait_for([&] { return captured() >= 300; }, 30s));
        w.signal(SIGTERM);
        EXPECT_EQ(w.wait(), 0);
    }
    EXPECT_EQ(leases(), 0);
    // Whatever was not captured is still queued: nothing fell in between.
    const auto done = captured();
    EXPECT_EQ(static_cast<std::int64_t>(done) + total_len(channel::email), n);
    worker_process w(config, log);
    ASSERT_TRUE(wait_for([&] { return captured() == n; }));
    w.signal(SIGTERM);
    EXPECT_EQ(w.wait(), 0);
    expect_exactly_once(n);
}

// A drill found 26 consumers after three: each start adds one (host:pid).
TEST_F(process_test, clean_stops_leave_no_consumer_in_the_group) {
    auto consumers = [&] {
        std::int64_t n = 0;
        for (std::uint32_t s = 0; s < q.shards; ++s)
            for (auto ch : {channel::email, channel::sms})
                n += static_cast<std::int64_t>(
                    server.cmd({"XINFO", "CONSUMERS", queue::ingress_key(s, ch), "workers"})
                        .size());
        return n;
    };
    // Redis 7.0 adds a consumer when a read of it is served entries, so
    // each run has work.
    admit_many(25);
    for (int run = 0; run < 2; ++run) {
        if (run == 1) admit_more(25, 25);
        worker_process w(config, log);
        const std::size_t want = 25 * (run + 1);
        ASSERT_TRUE(wait_for([&] { return consumers() > 0 && captured() == want; }, 30s))
            << "run " << run + 1 << ": " << consumers() << " consumers, " << captured()
            << " captured";
        w.signal(SIGTERM);
        ASSERT_EQ(w.wait(10s), 0);
        EXPECT_EQ(consumers(), 0) << "after clean stop " << run + 1;
    }
    expect_exactly_once(50);
}

TEST_F(process_test, two_worker_processes_share_one_rate_limit) {
    constexpr int n = 40, per_sec = 20;
    const auto prefix = queue::shard_prefix(queue::shard_of("paced", q.shards));
    server.cmd({"FCALL", "herald_settings", "1", prefix, "set", "paced", "rate.email.per_sec",
                std::to_string(per_sec)});
    queue::producer p(client, q.shards);
    std::vector<queue::admission> batch;
    for (int i = 0; i < n; ++i) {
        auto a = numbered(i);
        a.tenant = "paced";
        batch.push_back(a);
    }
    for (auto& r : test::run(ioc, p.admit_batch(batch)))
        ASSERT_TRUE(r);
    worker_process a(config, log), b(config, log);
    ASSERT_TRUE(wait_for([&] { return captured() == n; }));
    a.signal(SIGTERM);
    b.signal(SIGTERM);
    EXPECT_EQ(a.wait(), 0);
    EXPECT_EQ(b.wait(), 0);
    // GCRA spaces sends 1/per_sec apart whoever sends them, so the first
    // and the last capture are at least (n - 1) / per_sec apart. (Writes
    // may lag their permit, never precede it; 20 ms allows for clock
    // granularity.)
    std::vector<fs::file_time_type> times;
    for (const auto& f : fs::directory_iterator(capture))
        if (f.path().extension() == ".json") times.push_back(fs::last_write_time(f.path()));
    std::sort(times.begin(), times.end());
    const auto spread =
        std::chrono::duration_cast<std::chrono::milliseconds>(times.back() - times.front());
    EXPECT_GE(spread.count(), (n - 1) * 1000 / per_sec - 20) << "sends were not paced";
    expect_exactly_once(n);
}

TEST_F(process_test, redis_restart_under_a_running_worker_loses_nothing) {
    constexpr int n = 2000;
    admit_many(n / 2);
    worker_process w(config, log);
    ASSERT_TRUE(wait_for([&] { return captured() >= 200; }, 30s));
    server.stop();  // SIGTERM: Redis writes its AOF and exits
    std::this_thread::sleep_for(300ms);
    server.start();
    // New work after the restart reaches the same worker.
    client.stop();
    redis::client fresh(ioc.get_executor(), *redis::endpoint::parse(server.url()));
    fresh.start();
    {
        queue::producer p(fresh, q.shards);
        for (int i = n / 2; i < n; ++i) {
            std::vector<queue::admission> one{numbered(i)};
            auto r = test::run(ioc, p.admit_batch(one));
            ASSERT_TRUE(r.front()) << r.front().error().to_string();
        }
    }
    ASSERT_TRUE(wait_for([&] { return captured() == n && total_len(channel::email) == 0; }))
        << captured() << " of " << n;
    w.signal(SIGTERM);
    EXPECT_EQ(w.wait(), 0);
    expect_exactly_once(n);
}

}  // namespace
}  // namespace herald
