// Rate limits, volume quotas, storage quotas and watermarks on a real
// Redis, with the test clock.
#include "core/log.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "ratelimit/watermarks.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::email_json;

struct limits_test : test::queue_fixture {
    // {limited, limit, remaining, retry_after_ms, reset_after_ms}
    std::vector<std::int64_t> throttle(millis now, int count, int period, int burst, int qty = 1) {
        auto r = server.cmd({"FCALL", "herald_throttle", "1", "hd:{t}:rl", std::to_string(now),
                             std::to_string(count), std::to_string(period), std::to_string(burst),
                             std::to_string(qty)});
        std::vector<std::int64_t> out;
        for (const auto& e : r.elements)
            out.push_back(e.integer);
        return out;
    }
    std::map<std::string, std::string> usage(const std::string& tenant) {
        auto r = server.cmd({"HGETALL", prefix(tenant) + ":usage:" + tenant});
        std::map<std::string, std::string> m;
        for (std::size_t i = 0; i + 1 < r.size(); i += 2)
            m[r[i].str] = r[i + 1].str;
        return m;
    }
    std::vector<std::string> event_types(const std::string& tenant) {
        std::vector<std::string> out;
        for (const auto& e :
             server.cmd({"XRANGE", queue::events_key(queue::shard_of(tenant, q.shards)), "-", "+"})
                 .elements)
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                if (e[1][i].str == "type") out.push_back(e[1][i + 1].str);
        return out;
    }
};

// ---- GCRA ---------------------------------------------------------------------------

TEST_F(limits_test, gcra_allows_a_burst_then_the_steady_rate) {
    const millis t0 = 1'000'000'000;
    // 10 per second, burst 4: five at once, then one every 100 ms.
    for (int i = 0; i < 5; ++i) {
        auto r = throttle(t0, 10, 1000, 4);
        EXPECT_EQ(r[0], 0) << i;
        EXPECT_EQ(r[1], 5);
        EXPECT_EQ(r[2], 4 - i) << "remaining";
    }
    auto limited = throttle(t0, 10, 1000, 4);
    EXPECT_EQ(limited[0], 1);
    EXPECT_EQ(limited[3], 100) << "retry after exactly one emission interval";
    EXPECT_EQ(limited[4], 500) << "reset after the whole burst drains";
    EXPECT_EQ(throttle(t0 + 99, 10, 1000, 4)[0], 1);
    EXPECT_EQ(throttle(t0 + 100, 10, 1000, 4)[0], 0);
    EXPECT_EQ(throttle(t0 + 100, 10, 1000, 4)[0], 1);
    for (int i = 2; i <= 10; ++i)
        EXPECT_EQ(throttle(t0 + 100 * i, 10, 1000, 4)[0], 0) << i;
    // After a quiet second the burst is back.
    const millis t1 = t0 + 3000;
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(throttle(t1, 10, 1000, 4)[0], 0);
    EXPECT_EQ(throttle(t1, 10, 1000, 4)[0], 1);
}

TEST_F(limits_test, gcra_quantities_and_the_impossible_request) {
    const millis t0 = 2'000'000'000;
    EXPECT_EQ(throttle(t0, 10, 1000, 4, 3)[0], 0);  // 3 of 5
    auto r = throttle(t0, 10, 1000, 4, 3);          // 3 more: 1 short
    EXPECT_EQ(r[0], 1);
    EXPECT_EQ(r[3], 100);
    EXPECT_EQ(throttle(t0, 10, 1000, 4, 6)[3], -1) << "more than the burst can never pass";
    // A limited request consumed nothing.
    EXPECT_EQ(throttle(t0, 10, 1000, 4, 2)[0], 0);
}

TEST_F(limits_test, tenant_rate_defers_to_the_exact_time_and_uses_no_attempt) {
    set("acme", "rate.email.per_sec", "2");  // one every 500 ms, no burst
    std::vector<message_id> ids;
    for (int i = 0; i < 4; ++i)
        ids.push_back(admit("acme", email_json("u" + std::to_string(i) + "@example.com")));
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return count({"ZCARD", prefix("acme") + ":retry"}) == 3; }));
    EXPECT_EQ(t.calls.size(), 1u);
    // Each held-back message waits for its own slot: +500, +1000, +1500.
    auto due = server.cmd({"ZRANGE", prefix("acme") + ":retry", "0", "-1", "WITHSCORES"});
    ASSERT_EQ(due.size(), 6u);
    const millis now = clk.now_ms();
    EXPECT_EQ(std::stoll(due[1].str) - now, 500);
    for (int step = 1; step <= 3; ++step) {
        clk.advance(500);
        ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == std::size_t(1 + step); }))
            << "step " << step;
    }
    for (const auto& id : ids)
        EXPECT_EQ(t.attempts_seen[id.str()], 0) << "no attempt used";
    EXPECT_TRUE(dead_letters().empty());
}

TEST_F(limits_test, two_workers_share_one_limit) {
    set("acme", "rate.email.per_sec", "5");  // one per 200 ms across everyone
    for (int i = 0; i < 10; ++i)
        admit("acme", email_json("u" + std::to_string(i) + "@example.com"));
    test::scripted_transport t;
    redis::client other(ioc.get_executor(), *redis::endpoint::parse(server.url()));
    other.start();
    queue::worker w1(ioc.get_executor(), client, t, clk, worker_options("w1"));
    queue::worker w2(ioc.get_executor(), other, t, clk, worker_options("w2"));
    int finished = 0;
    boost::asio::co_spawn(ioc, w1.run(), [&](std::exception_ptr) { ++finished; });
    boost::asio::co_spawn(ioc, w2.run(), [&](std::exception_ptr) { ++finished; });
    ioc.restart();
    // Runs both workers until `done` holds (bounded), then a little longer.
    auto spin_until = [&](const std::function<bool()>& done) {
        const auto limit = std::chrono::steady_clock::now() + 5s;
        while (!done() && std::chrono::steady_clock::now() < limit)
            ioc.run_one_for(5ms);
        const auto settle = std::chrono::steady_clock::now() + 200ms;
        while (std::chrono::steady_clock::now() < settle)
            ioc.run_one_for(5ms);
    };
    spin_until([&] { return t.calls.size() >= 1; });
    EXPECT_EQ(t.calls.size(), 1u) << "one send, whichever worker";
    for (int step = 1; step <= 4; ++step) {
        clk.advance(200);
        spin_until([&] { return t.calls.size() >= std::size_t(1 + step); });
        EXPECT_EQ(t.calls.size(), std::size_t(1 + step)) << "one more per 200 ms, step " << step;
    }
    w1.stop();
    w2.stop();
    while (finished < 2)
        ioc.run_one_for(5ms);
    EXPECT_GT(w1.counters().rate_limited + w2.counters().rate_limited, 0u);
}

TEST_F(limits_test, a_destination_domain_limit_holds_back_that_domain_only) {
    for (const auto& c : ratelimit::set_domain_limit("slow.example", "1", "0"))
        server.cmd(c);
    for (int i = 0; i < 3; ++i) {
        admit("acme", email_json("u" + std::to_string(i) + "@slow.example"));
        admit("acme", email_json("u" + std::to_string(i) + "@fast.example"));
    }
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 4; }));
    EXPECT_FALSE(run_worker(
        t, [&] { return t.calls.size() > 4; }, 300ms));
    clk.advance(1000);
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 5; }));
}

// ---- volume quotas ----------------------------------------------------------------

TEST_F(limits_test, daily_quota_refuses_until_midnight_utc_then_resets) {
    set("acme", "quota.email.day", "5");
    clk.set((clk.now_ms() / 86'400'000 + 1) * 86'400'000 - 60'000);  // 23:59 UTC
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(try_admit("acme", email_json("u" + std::to_string(i) + "@x.example")));
    // A repeat inside the dedupe window is not charged.
    EXPECT_TRUE(try_admit("acme", email_json("u0@x.example"))->duplicate);
    auto r = try_admit("acme", email_json("late@x.example"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "quota_exceeded");
    EXPECT_EQ(r.error().http_status(), 429);
    EXPECT_EQ(r.error().retry_after_s, 60);
    EXPECT_EQ(total_len(channel::email), 5);
    auto types = event_types("acme");
    EXPECT_EQ(std::count(types.begin(), types.end(), "quota.warning"), 1) << "at 80 %";
    EXPECT_EQ(std::count(types.begin(), types.end(), "quota.exhausted"), 1) << "at 100 %";
    clk.advance(60'000);  // the next day
    EXPECT_TRUE(try_admit("acme", email_json("late@x.example")));
    EXPECT_TRUE(try_admit("globex", email_json("other@x.example"))) << "quotas are per tenant";
}

TEST_F(limits_test, monthly_quota_spans_days_and_resets_on_the_first) {
    set("acme", "quota.email.month", "3");
    // 2026-11-30 12:00 UTC.
    const millis nov30 = 20'422LL * 86'400'000 + 43'200'000;
    clk.set(nov30);
    ASSERT_TRUE(try_admit("acme", email_json("a@x.example")));
    clk.advance(-86'400'000);
    ASSERT_TRUE(try_admit("acme", email_json("b@x.example")));
    clk.set(nov30);
    ASSERT_TRUE(try_admit("acme", email_json("c@x.example")));
    auto r = try_admit("acme", email_json("d@x.example"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().retry_after_s, 43'200) << "until 2026-12-01 00:00 UTC";
    clk.set(nov30 + 43'200'000);
    EXPECT_TRUE(try_admit("acme", email_json("d@x.example")));
}

TEST_F(limits_test, sms_quota_is_charged_in_segments) {
    set("acme", "quota.sms.day", "4");
    auto sms = [](const std::string& body) {
        return R"({"from":"ACME","to":"+15551234567","body":")" + body + R"("})";
    };
    ASSERT_TRUE(try_admit("acme", sms(std::string(200, 'a')), channel::sms));  // 2 segments
    ASSERT_TRUE(try_admit("acme", sms("{curly}" + std::string(155, 'b')), channel::sms))
        << "{ and } count twice: 164 septets, 2 segments";
    EXPECT_FALSE(try_admit("acme", sms("one more"), channel::sms));
    set("acme", "quota.sms.day", "5");
    EXPECT_TRUE(try_admit("acme", sms("one more"), channel::sms));
    set("acme", "quota.sms.day", "6");
    EXPECT_FALSE(try_admit("acme", sms(std::string(71, 'x') + "\u00e1"), channel::sms))
        << "a with acute is not GSM-7: 72 UCS-2 units, 2 segments, over by one";
    EXPECT_TRUE(try_admit("acme", sms(std::string(71, 'x') + "\u00e9"), channel::sms))
        << "e with acute is GSM-7: 72 septets, 1 segment";
}

// ---- storage quota ------------------------------------------------------------------

TEST_F(limits_test, storage_quota_refuses_at_the_limit_and_frees_on_delivery) {
    set("acme", "storage.max_messages", "3");
    for (int i = 0; i < 3; ++i)
        admit("acme", email_json("u" + std::to_string(i) + "@x.example"));
    auto r = try_admit("acme", email_json("full@x.example"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "storage_quota_exceeded");
    EXPECT_EQ(r.error().http_status(), 507);
    EXPECT_EQ(usage("acme")["msgs"], "3");
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 3 && usage("acme").empty(); }));
    EXPECT_TRUE(try_admit("acme", email_json("full@x.example")));
}

TEST_F(limits_test, storage_counts_bytes_and_keeps_deferred_messages_charged) {
    const auto json = email_json("u@x.example");
    // Each message is charged its payload and the fixed overhead.
    const auto charge = json.size() + queue::contract::message_overhead_bytes;
    set("acme", "storage.max_bytes", std::to_string(charge * 2));
    admit("acme", json);
    admit("acme", email_json("v@x.example"));
    EXPECT_EQ(usage("acme")["bytes"], std::to_string(charge * 2));
    EXPECT_EQ(try_admit("acme", email_json("w@x.example")).error().name(),
              "storage_quota_exceeded");
    test::scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "later"); };
    ASSERT_TRUE(run_worker(t, [&] { return count({"ZCARD", prefix("acme") + ":retry"}) == 2; }));
    EXPECT_EQ(usage("acme")["msgs"], "2") << "deferred is still queued";
    t.script = [](const delivery&) { return outcome::bounced("smtp_5xx", "no"); };
    clk.advance(3'600'000);
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 2; }));
    EXPECT_TRUE(usage("acme").empty()) << "dead letters leave the quota";
    auto recount = server.cmd({"FCALL", "herald_usage_recount", "1", prefix("acme"), "1000"});
    EXPECT_EQ(recount[2].integer, 0) << "nothing to correct";
}

TEST_F(limits_test, recount_repairs_a_drifted_usage) {
    admit("acme", email_json("u@x.example"));
    server.cmd({"HSET", prefix("acme") + ":usage:acme", "bytes", "999999", "msgs", "42"});
    server.cmd({"HSET", prefix("acme") + ":usage:ghost", "bytes", "5", "msgs", "1"});
    auto r = server.cmd({"FCALL", "herald_usage_recount", "1", prefix("acme"), "1000"});
    EXPECT_EQ(r[0].integer, 1);
    EXPECT_EQ(r[1].integer, 1);
    EXPECT_EQ(usage("acme")["msgs"], "1");
    EXPECT_EQ(count({"EXISTS", prefix("acme") + ":usage:ghost"}), 0);
}

// ---- watermarks ------------------------------------------------------------------------

TEST(watermarks, pressure_reason_from_vitals) {
    watermarks_config w;
    w.memory_percent = 80;
    w.disk_min_free_mb = 100;
    w.data_dir = "/data";
    ratelimit::redis_vitals v{.used_memory = 79, .maxmemory = 100};
    EXPECT_FALSE(ratelimit::pressure_reason(v, w));
    v.used_memory = 80;
    EXPECT_NE(ratelimit::pressure_reason(v, w)->find("memory"), std::string::npos);
    v = {.used_memory = 10, .maxmemory = 0, .disk_free_bytes = 99ull << 20};
    EXPECT_NE(ratelimit::pressure_reason(v, w)->find("disk"), std::string::npos);
    v.disk_free_bytes = 100ull << 20;
    EXPECT_FALSE(ratelimit::pressure_reason(v, w)) << "no maxmemory: no memory ceiling";
    EXPECT_EQ(
        ratelimit::info_field("# Memory\r\nused_memory:1234\r\nmaxmemory:0\r\n", "used_memory"),
        1234u);
    EXPECT_EQ(ratelimit::info_field("used_memory:7\r\n", "used_memory"), 7u);
}

struct watermark_test : limits_test {
    // Runs the watcher next to a worker until `done` or the limit.
    bool pressure_flagged() {
        return !server.cmd({"HGET", prefix("acme") + ":meta", "pressure_reason"}).is_nil();
    }
    bool with_watcher(watermarks_config w, const std::function<bool()>& done) {
        w.interval_ms = 20;
        ratelimit::watermark_watcher watcher(ioc.get_executor(), client, clk, w, q.shards);
        bool finished = false;
        boost::asio::co_spawn(ioc, watcher.run(), [&](std::exception_ptr) { finished = true; });
        ioc.restart();
        auto until = std::chrono::steady_clock::now() + 5s;
        bool held = false;
        while (!(held = done()) && std::chrono::steady_clock::now() < until)
            ioc.run_one_for(5ms);
        watcher.stop();
        while (!finished)
            ioc.run_one_for(5ms);
        return held;
    }
};

TEST_F(watermark_test, lowered_maxmemory_refuses_new_work_and_loses_nothing) {
    for (int i = 0; i < 5; ++i)
        admit("acme", email_json("u" + std::to_string(i) + "@x.example"));
    const auto used = ratelimit::info_field(server.cmd({"INFO", "memory"}).str, "used_memory");
    server.cmd({"CONFIG", "SET", "maxmemory", std::to_string(used * 110 / 100)});
    watermarks_config w;  // 80 % of maxmemory: already past it
    ASSERT_TRUE(with_watcher(w, [&] { return pressure_flagged(); }));
    auto r = try_admit("acme", email_json("new@x.example"));
    EXPECT_EQ(r.error().name(), "backpressure");
    EXPECT_EQ(r.error().http_status(), 503);
    EXPECT_NE(r.error().detail.find("memory"), std::string::npos);
    EXPECT_GT(r.error().retry_after_s, 0);
    // What was accepted is still delivered.
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 5; }));
    server.cmd({"CONFIG", "SET", "maxmemory", "0"});
    ASSERT_TRUE(with_watcher(w, [&] { return !pressure_flagged(); }));
    EXPECT_TRUE(try_admit("acme", email_json("new@x.example")));
    auto types = event_types("acme");
    EXPECT_NE(std::find(types.begin(), types.end(), "pressure.on"), types.end());
    EXPECT_NE(std::find(types.begin(), types.end(), "pressure.off"), types.end());
}

TEST_F(watermark_test, redis_oom_itself_answers_backpressure) {
    admit("acme", email_json("u@x.example"));
    server.cmd({"CONFIG", "SET", "maxmemory", "1"});  // below use: every write is -OOM
    auto r = try_admit("acme", email_json("v@x.example"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "backpressure");
    EXPECT_EQ(r.error().http_status(), 503);
    // Workers still settle (their functions may run under OOM): nothing is stuck.
    test::scripted_transport t;
    ASSERT_TRUE(
        run_worker(t, [&] { return t.calls.size() == 1 && total_len(channel::email) == 0; }));
    server.cmd({"CONFIG", "SET", "maxmemory", "0"});
}

TEST_F(watermark_test, the_watcher_recounts_storage_usage_periodically) {
    admit("acme", email_json("u@x.example"));
    server.cmd({"HSET", prefix("acme") + ":usage:acme", "bytes", "1", "msgs", "99"});
    watermarks_config w;
    w.usage_recount_s = 1;
    ASSERT_TRUE(with_watcher(w, [&] { return usage("acme")["msgs"] == "1"; }));
}

TEST_F(watermark_test, a_short_disk_refuses_new_work_with_an_alert) {
    admit("acme", email_json("u@x.example"));
    watermarks_config w;
    w.data_dir = server.dir().string();
    w.disk_min_free_mb = std::uint64_t(1) << 40;  // more than any disk has free
    ASSERT_TRUE(with_watcher(w, [&] { return pressure_flagged(); }));
    auto r = try_admit("acme", email_json("new@x.example"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "backpressure");
    EXPECT_NE(r.error().detail.find("disk"), std::string::npos);
    EXPECT_EQ(total_len(channel::email), 1) << "the accepted message is still there";
}

// A drill's full disk: Redis answered the flag's HSET with MISCONF inside
// a pipeline that itself succeeded. The watcher must not claim an alert it
// could not enforce, must retry, and must clear what it did write.
TEST_F(watermark_test, a_flag_redis_refuses_is_logged_as_an_error_and_retried) {
    std::vector<std::string> lines;
    log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
    struct restore_sink {
        ~restore_sink() { log::set_sink({}); }
    } restore;
    auto logged = [&](std::string_view what) {
        return std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.find(what) != std::string::npos;
        });
    };
    const auto used = ratelimit::info_field(server.cmd({"INFO", "memory"}).str, "used_memory");
    server.cmd({"CONFIG", "SET", "maxmemory", std::to_string(used * 110 / 100)});
    server.stop_writes_like_a_full_disk();
    watermarks_config w;  // 80 % of maxmemory: already past it
    int stage = 0;
    ASSERT_TRUE(with_watcher(w,
                             [&] {
                                 if (stage == 0 && logged("backpressure.flag_failed") >= 2) {
                                     EXPECT_EQ(logged("alert.backpressure"), 0)
                                         << "no alert for a flag never written";
                                     EXPECT_FALSE(pressure_flagged());
                                     server.resume_writes();
                                     stage = 1;
                                 } else if (stage == 1 && pressure_flagged()) {
                                     server.cmd({"CONFIG", "SET", "maxmemory", "0"});
                                     stage = 2;
                                 }
                                 return stage == 2 && !pressure_flagged();
                             }))
        << "stage " << stage;
    EXPECT_GE(logged("level=error event=backpressure.flag_failed"), 2);
    EXPECT_GE(logged("MISCONF"), 2) << "the error says why";
    EXPECT_EQ(logged("alert.backpressure"), 1);
    EXPECT_EQ(logged("backpressure.cleared"), 1);
    auto types = event_types("acme");
    EXPECT_EQ(std::count(types.begin(), types.end(), "pressure.on"), 1);
    EXPECT_EQ(std::count(types.begin(), types.end(), "pressure.off"), 1);
}

}  // namespace
}  // namespace herald
