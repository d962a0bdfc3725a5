// Live rates (ops/rates.hpp): counted in Redis by the calls that decide
// each outcome, read back the same from any node. Exact counts: under a
// known load in process, and spread over two `herald work` processes.
#include "ops/rates.hpp"
#include "queue/tenants.hpp"
#include "tests/support/queue_fixture.hpp"
#include "tests/support/worker_process.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

namespace herald {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using test::email_json;
using namespace std::chrono_literals;

struct rates_test : test::queue_fixture {
    // The rates as GET /v1/stats/rates answers them, `now` one second on
    // so that everything counted so far lies in complete seconds.
    json::object rates(std::uint32_t window_s = 60, std::uint32_t step_s = 1,
                       std::optional<std::string> tenant = std::nullopt, millis now = 0) {
        ops::rates_query query{window_s, step_s, std::move(tenant)};
        auto r = test::run(ioc, ops::collect_rates(client, q.shards, query,
                                                   (now ? now : wall_clock().now_ms()) + 1000));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : json::object{};
    }
    static const json::object& row(const json::object& rates, std::string_view tenant) {
        for (const auto& t : rates.at("tenants").as_array())
            if (t.at("tenant").as_string() == tenant) return t.as_object();
        throw std::runtime_error("no row for " + std::string(tenant));
    }
    static std::int64_t total(const json::object& row, std::string_view outcome) {
        return row.at("totals").at(outcome).as_int64();
    }
    void create(const std::string& tenant) {
        ASSERT_TRUE(test::run(ioc, queue::create_tenant(client, tenant)));
    }
};

TEST_F(rates_test, counts_each_outcome_exactly_and_sorts_by_current_rate) {
    create("acme");
    create("globex");
    create("quiet");
    for (int i = 0; i < 7; ++i)
        admit("acme", email_json("u" + std::to_string(i) + "@example.com"));
    for (int i = 0; i < 2; ++i)  // repeats inside the dedupe window
        ASSERT_TRUE(try_admit("acme", email_json("u0@example.com"))->duplicate);
    ASSERT_FALSE(try_admit("acme", R"({"from":"a@example.com","subject":"no recipient"})"));
    for (int i = 0; i < 3; ++i)
        admit("globex", email_json("g" + std::to_string(i) + "@example.com"));
    test::scripted_transport t;
    t.script = [](const delivery& d) {
        const auto& to = std::get<email_message>(d.msg.content).to.front();
        return to == "u6@example.com" ? outcome::bounced("smtp_5xx", "550 5.1.1 no such user")
                                      : outcome::delivered("smtp_2xx", "250 ok");
    };
    ASSERT_TRUE(
        run_worker(t, [&] { return t.calls.size() == 10 && total_len(channel::email) == 0; }));

    auto r = rates(60, 1, std::nullopt, clk.now_ms());
    const auto& acme = row(r, "acme");
    EXPECT_EQ(total(acme, "accepted"), 7);
    EXPECT_EQ(total(acme, "duplicate"), 2);
    EXPECT_EQ(total(acme, "refused"), 1);
    EXPECT_EQ(total(acme, "delivered"), 6);
    EXPECT_EQ(total(acme, "bounced"), 1);
    EXPECT_EQ(total(acme, "deferred"), 0);
    EXPECT_EQ(acme.at("latency_ms").at("count").as_int64(), 6);
    EXPECT_DOUBLE_EQ(acme.at("rate").as_double(), 1.0) << "10 offered in the last 10 s";
    EXPECT_DOUBLE_EQ(acme.at("sent_rate").as_double(), 0.6);
    // The series add up to the totals, point by point (rates per second of 1 s steps).
    double accepted = 0;
    for (const auto& v : acme.at("series").at("email").at("accepted").as_array())
        accepted += v.as_double();
    EXPECT_DOUBLE_EQ(accepted, 7);
    EXPECT_EQ(acme.at("series").at("email").at("unknown").as_array().size(), 60u)
        << "every outcome has a series, zeros too";
    EXPECT_FALSE(acme.at("series").as_object().contains("sms")) << "no SMS traffic, no SMS series";
    EXPECT_EQ(r.at("t").as_array().size(), 60u);
    EXPECT_EQ(total(row(r, "globex"), "delivered"), 3);
    EXPECT_EQ(total(row(r, "quiet"), "accepted"), 0);
    const auto& tenants = r.at("tenants").as_array();
    ASSERT_EQ(tenants.size(), 3u);
    EXPECT_EQ(tenants[0].at("tenant").as_string(), "acme");
    EXPECT_EQ(tenants[1].at("tenant").as_string(), "globex");
    EXPECT_EQ(tenants[2].at("tenant").as_string(), "quiet");
    EXPECT_EQ(r.at("queue").at("ready").as_int64(), 0);
    EXPECT_EQ(r.at("queue").at("dead").as_int64(), 1);
}

TEST_F(rates_test, one_tenant_sees_its_state_quota_storage_and_breaker) {
    create("acme");
    set("acme", "quota.email.day", "10");
    set("acme", "storage.max_messages", "50");
    set("acme", "breaker.content.max", "2");
    set("acme", "dedupe.window_ms", "0");
    for (int i = 0; i < 3; ++i)  // the third repeat trips the content breaker
        (void)try_admit("acme", email_json("storm@example.com", "storm"));
    auto r = rates(60, 10, "acme", clk.now_ms());
    ASSERT_EQ(r.at("tenants").as_array().size(), 1u);
    const auto& acme = row(r, "acme");
    EXPECT_EQ(acme.at("breaker").as_string(), "open");
    EXPECT_EQ(acme.at("breakers").as_array().at(0).at("kind").as_string(), "content");
    EXPECT_EQ(acme.at("quota").at("email").at("day").at("used").as_int64(), 2);
    EXPECT_EQ(acme.at("quota").at("email").at("day").at("limit").as_int64(), 10);
    EXPECT_TRUE(acme.at("quota").at("email").at("month").at("limit").is_null());
    EXPECT_EQ(acme.at("storage").at("messages").as_int64(), 2);
    EXPECT_EQ(acme.at("storage").at("messages_limit").as_int64(), 50);
    EXPECT_EQ(acme.at("queue").at("queued").as_int64(), 2);
    EXPECT_EQ(r.at("queue").at("ready").as_int64(), 2);
    EXPECT_EQ(acme.at("series").at("email").at("refused").as_array().size(), 6u);
}

TEST_F(rates_test, a_window_and_a_step_are_checked_and_name_their_field) {
    auto good = ops::make_query("15m", "10s", std::nullopt);
    ASSERT_TRUE(good);
    EXPECT_EQ(good->window_s, 900u);
    EXPECT_EQ(good->step_s, 10u);
    auto bad = ops::make_query("2h", "", std::nullopt);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "window");
    auto step = ops::make_query("60", "61", std::nullopt);
    ASSERT_FALSE(step);
    EXPECT_EQ(step.error().field, "step");
    auto junk = ops::make_query("ten", "", std::nullopt);
    ASSERT_FALSE(junk);
    EXPECT_EQ(junk.error().field, "window");
}

// Two `herald work` processes share one load: the rates read back count
// every message once, whichever process settled it, and each process
// logs one status line per message it delivered.
struct rates_process_test : rates_test {
    void SetUp() override {
        use_process_lease_timings();
        q.batch = 16;
        rates_test::SetUp();
    }
};

TEST_F(rates_process_test, two_worker_processes_count_a_known_load_exactly) {
    const fs::path dir = fs::temp_directory_path() / ("herald-rates-" + std::to_string(::getpid()));
    fs::create_directories(dir / "capture");
    const fs::path config = dir / "herald.toml";
    std::ofstream(config) << process_config(5000) << "[transport]\nkind = \"capture\"\n"
                          << "capture_dir = \"" << (dir / "capture").string() << "\"\n"
                          << "[metrics]\nlisten = \"\"\n[log]\nlevel = \"info\"\n";
    const std::array<std::pair<std::string, int>, 3> load{
        {{"acme", 120}, {"globex", 50}, {"initech", 30}}};
    for (const auto& [tenant, n] : load)
        create(tenant);
    {
        test::worker_process a(HERALD_BIN, config, dir / "a.log");
        test::worker_process b(HERALD_BIN, config, dir / "b.log");
        queue::producer p(client, q.shards);
        for (const auto& [tenant, n] : load) {
            std::vector<queue::admission> batch;
            for (int i = 0; i < n; ++i)
                batch.push_back(
                    {.tenant = tenant,
                     .ch = channel::email,
                     .payload = email_json(tenant + std::to_string(i) + "@example.com")});
            for (auto& x : test::run(ioc, p.admit_batch(batch)))
                ASSERT_TRUE(x);
        }
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::size_t files = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            files =
                std::distance(fs::directory_iterator(dir / "capture"), fs::directory_iterator{});
            if (files == 200 && total_len(channel::email) == 0) break;
            std::this_thread::sleep_for(50ms);
        }
        ASSERT_EQ(files, 200u);
        a.signal(SIGTERM);
        b.signal(SIGTERM);
        EXPECT_EQ(a.wait(), 0);
        EXPECT_EQ(b.wait(), 0);
    }
    auto r = rates();
    for (const auto& [tenant, n] : load) {
        EXPECT_EQ(total(row(r, tenant), "accepted"), n) << tenant;
        EXPECT_EQ(total(row(r, tenant), "delivered"), n) << tenant;
        EXPECT_EQ(row(r, tenant).at("latency_ms").at("count").as_int64(), n) << tenant;
    }
    // One status line per delivered message, split between the processes.
    auto lines = [&](const fs::path& log) {
        std::ifstream in(log);
        int n = 0;
        for (std::string l; std::getline(in, l);)
            if (l.find("message.final") != std::string::npos &&
                l.find("status=sent") != std::string::npos &&
                l.find("relay=capture") != std::string::npos)
                ++n;
        return n;
    };
    const int in_a = lines(dir / "a.log"), in_b = lines(dir / "b.log");
    EXPECT_EQ(in_a + in_b, 200);
    EXPECT_GT(in_a, 0) << "both processes took part";
    EXPECT_GT(in_b, 0) << "both processes took part";
    fs::remove_all(dir);
}

}  // namespace
}  // namespace herald
