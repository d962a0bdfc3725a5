// The storm drill: the seed's failure (one email re-sent 800,000 times)
// replayed through the admission path, pipelined, while a second tenant
// enqueues normally. Exactly one copy may reach the transport, the breaker
// must open, Redis must not grow per copy, and the second tenant must be
// served in full. Bounded: 800,000 requests, then it stops.
#include "tests/support/queue_fixture.hpp"

#include <algorithm>
#include <iostream>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int storm_copies = 800'000;
constexpr int storm_batch = 2'000;
constexpr int calm_messages = 2'000;

struct storm_test : test::queue_fixture {
    std::int64_t used_memory() {
        auto info = server.cmd({"INFO", "memory"}).str;
        auto pos = info.find("used_memory:");
        return std::stoll(info.substr(pos + 12));
    }

    // Tenant "calm" enqueues one message at a time on its own connection
    // and thread, like another API node; returns each admission's latency.
    std::vector<double> calm_tenant(int first, std::atomic<bool>* stop_early = nullptr) {
        boost::asio::io_context io;
        redis::client c(io.get_executor(), *redis::endpoint::parse(server.url()));
        c.start();
        queue::producer p(c, q.shards);
        std::vector<double> latencies;
        for (int i = first; i < first + calm_messages; ++i) {
            if (stop_early && stop_early->load()) break;
            const std::string json = R"({"from":"calm@example.com","to":["c)" + std::to_string(i) +
                                     R"(@example.com"],"text":"n"})";
            std::vector<queue::admission> one{
                {.tenant = "calm", .ch = channel::email, .payload = json}};
            const auto t0 = steady::now();
            auto r = test::run(io, p.admit_batch(one));
            latencies.push_back(
                std::chrono::duration<double, std::micro>(steady::now() - t0).count());
            EXPECT_TRUE(r.front() && !r.front()->duplicate) << i;
        }
        c.stop();
        return latencies;
    }

    static double p99(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() * 99 / 100];
    }
};

TEST_F(storm_test, eight_hundred_thousand_copies_send_one_and_spare_the_neighbour) {
    const double quiet_p99 = p99(calm_tenant(0));

    const std::string storm_json =
        R"({"from":"payroll@example.com","to":["staff@example.com"],"subject":"Payslip",
            "text":"Your payslip is attached."})";
    std::vector<queue::admission> batch(storm_batch, test::enqueued_email("looping", storm_json));
    const auto memory_before = used_memory();
    std::vector<double> storm_latencies;
    std::thread calm([&] { storm_latencies = calm_tenant(calm_messages); });

    queue::producer storm(client, q.shards);
    std::map<std::string, int> answers;
    const auto t0 = steady::now();
    for (int sent = 0; sent < storm_copies; sent += storm_batch) {
        auto rs = test::run(ioc, storm.admit_batch(batch), std::chrono::seconds(60));
        for (const auto& r : rs)
            ++answers[r ? (r->duplicate ? "duplicate" : "ok") : std::string(r.error().name())];
    }
    const double storm_seconds = std::chrono::duration<double>(steady::now() - t0).count();
    calm.join();
    const auto growth = used_memory() - memory_before;

    EXPECT_EQ(answers["ok"], 1);
    EXPECT_EQ(answers["duplicate"], 19) << "repeats up to the content breaker's threshold (20)";
    EXPECT_EQ(answers["circuit_open"], storm_copies - 20);
    EXPECT_EQ(answers.size(), 3u);
    // Nothing per copy: the calm tenant's 2,000 stored messages are most of it.
    EXPECT_LT(growth, 4 << 20) << growth << " bytes";

    test::scripted_transport t;
    ASSERT_TRUE(run_worker(
        t, [&] { return t.calls.size() >= 4001 && total_len(channel::email) == 0; }, 60s));
    EXPECT_EQ(t.calls.size(), 1u + 2 * calm_messages) << "one copy of the storm, all of calm";
    EXPECT_EQ(t.attempts_seen.size(), t.calls.size()) << "no message sent twice";

    const double storm_p99 = p99(storm_latencies);
    std::cout << "[ measure  ] " << storm_copies << " storm copies in " << storm_seconds << " s ("
              << static_cast<int>(storm_copies / storm_seconds) << "/s); redis grew " << growth
              << " bytes; calm tenant p99 admission " << quiet_p99 << " us quiet, " << storm_p99
              << " us during the storm\n";
    RecordProperty("storm_seconds", std::to_string(storm_seconds));
    RecordProperty("calm_p99_quiet_us", std::to_string(quiet_p99));
    RecordProperty("calm_p99_storm_us", std::to_string(storm_p99));
}

}  // namespace
}  // namespace herald
