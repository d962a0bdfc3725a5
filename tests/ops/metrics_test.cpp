// ops/metrics: the counters are exact whatever the threads, the histograms
// put each observation in its bucket, the gauges say what
// GET /v1/stats/rates says, the workers seen are the consumers that read
// recently, and a scrape within the gauges' time to live does not read
// Redis again.
#include "ops/metrics.hpp"
#include "ops/metrics_gauges.hpp"
#include "tests/support/queue_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

namespace herald {
namespace {

namespace json = boost::json;
using ops::metrics_registry;

// The value of the sample whose line starts with `series` (name and
// labels as the text format writes them), or -1 when there is none.
double sample(const std::string& text, const std::string& series) {
    std::size_t at = 0;
    while ((at = text.find(series + " ", at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
        ++at;
    }
    return -1;
}

TEST(metrics_registry_test, counts_each_tenant_channel_and_outcome_exactly_from_many_threads) {
    metrics_registry r({});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                r.count("acme", channel::email, "accepted", 1);
                r.count("other", channel::sms, "refused", 2);
            }
        });
    for (auto& t : threads)
        t.join();
    r.count("acme", channel::email, "duplicate", 3);
    r.count("acme", channel::email, "surprise", 1);  // not one of core's outcomes: still counted
    const auto text = r.text({});
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="email",outcome="accepted",tenant="acme"})"),
        4000);
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="sms",outcome="refused",tenant="other"})"),
        8000);
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="email",outcome="duplicate",tenant="acme"})"),
        3);
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="email",outcome="surprise",tenant="acme"})"),
        1);
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="sms",outcome="accepted",tenant="acme"})"),
        -1)
        << "a label set never counted is not written";
}

TEST(metrics_registry_test, a_second_registry_does_not_reuse_the_first_ones_counters) {
    // The per-thread cache is keyed by registry: a new one starts at zero.
    {
        metrics_registry first({});
        first.count("acme", channel::email, "accepted", 5);
    }
    metrics_registry second({});
    second.count("acme", channel::email, "accepted", 1);
    EXPECT_EQ(sample(second.text({}),
                     R"(herald_messages_total{channel="email",outcome="accepted",tenant="acme"})"),
              1);
}

TEST(metrics_registry_test, histograms_bucket_each_latency_and_webhooks_count_by_result) {
    metrics_registry r({});
    r.observe(metrics::latency::enqueue_to_delivered, channel::sms, 0.07);
    r.observe(metrics::latency::enqueue_to_delivered, channel::sms, 90);
    r.observe(metrics::latency::enqueue_to_delivered, 3);  // no channel: email's
    r.observe(metrics::latency::smtp_transaction, 0.2);
    r.observe(metrics::latency::sms_request, 0.004);
    r.observe(metrics::latency::redis_round_trip, 0.0003);
    r.webhook("acme", "dead", 2);
    const auto text = r.text({});
    const std::string sms = R"(herald_enqueue_to_delivered_seconds_bucket{channel="sms",le=")";
    EXPECT_EQ(sample(text, sms + R"(0.05"})"), 0);
    EXPECT_EQ(sample(text, sms + R"(0.1"})"), 1);
    EXPECT_EQ(sample(text, sms + R"(60"})"), 1);
    EXPECT_EQ(sample(text, sms + R"(120"})"), 2);
    EXPECT_EQ(sample(text, sms + R"(+Inf"})"), 2);
    EXPECT_EQ(sample(text, R"(herald_enqueue_to_delivered_seconds_count{channel="sms"})"), 2);
    EXPECT_EQ(sample(text, R"(herald_enqueue_to_delivered_seconds_count{channel="email"})"), 1);
    EXPECT_EQ(sample(text, R"(herald_smtp_transaction_seconds_bucket{le="0.25"})"), 1);
    EXPECT_EQ(sample(text, R"(herald_smtp_transaction_seconds_bucket{le="0.1"})"), 0);
    EXPECT_EQ(sample(text, R"(herald_sms_request_seconds_bucket{le="0.005"})"), 1);
    EXPECT_EQ(sample(text, R"(herald_redis_round_trip_seconds_bucket{le="0.0005"})"), 1);
    EXPECT_EQ(sample(text, R"(herald_redis_round_trip_seconds_bucket{le="0.00025"})"), 0);
    EXPECT_EQ(sample(text, R"(herald_webhook_batches_total{result="dead",tenant="acme"})"), 2);
}

TEST(metrics_registry_test, the_installed_registry_receives_core_calls) {
    auto& r = ops::install_metrics({});
    EXPECT_EQ(ops::installed_registry(), &r);
    EXPECT_EQ(&ops::install_metrics({}), &r) << "installed once per process";
    metrics::count("installed", channel::email, "dead");
    EXPECT_EQ(sample(r.text({}),
                     R"(herald_messages_total{channel="email",outcome="dead",tenant="installed"})"),
              1);
}

// An answer of GET /v1/stats/rates as its spec (issue 14) writes it.
json::object spec_rates() {
    return json::parse(R"({
      "now_ms": 1764430000000, "window_s": 60, "step_s": 10, "t": [],
      "outcomes": ["accepted","duplicate","refused","delivered","deferred","bounced","unknown","dead"],
      "tenants": [
        { "tenant": "storm", "rate": 120.5, "sent_rate": 98.0, "series": {}, "totals": {},
          "latency_ms": {"count": 0, "p50": null, "p90": null, "p99": null},
          "queue": {"queued": 17},
          "quota": {"email": {"day": {"used": 850, "limit": 1000},
                              "month": {"used": 850, "limit": null}}},
          "storage": {"bytes": 2048, "bytes_limit": null, "messages": 17, "messages_limit": 100},
          "breaker": "open", "breakers": [], "paused": false },
        { "tenant": "calm", "rate": 0, "sent_rate": 0, "series": {}, "totals": {},
          "latency_ms": {"count": 0, "p50": null, "p90": null, "p99": null},
          "queue": {"queued": 0}, "quota": {}, "storage": {"bytes": 0, "messages": 0},
          "breaker": "half_open", "breakers": [], "paused": true } ],
      "queue": {"ready": 10, "in_flight": 2, "deferred": 5, "dead": 3},
      "backpressure": {"on": true, "reason": "redis memory"} })")
        .as_object();
}

TEST(metrics_gauges_test, the_rates_answer_becomes_gauges) {
    metrics_registry r({});
    const auto text = r.text(ops::gauges_from_rates(spec_rates()));
    EXPECT_EQ(sample(text, R"(herald_queue_messages{state="ready"})"), 10);
    EXPECT_EQ(sample(text, R"(herald_queue_messages{state="in_flight"})"), 2);
    EXPECT_EQ(sample(text, R"(herald_queue_messages{state="deferred"})"), 5);
    EXPECT_EQ(sample(text, R"(herald_queue_messages{state="dead"})"), 3);
    EXPECT_EQ(sample(text, R"(herald_tenant_queued_messages{tenant="storm"})"), 17);
    EXPECT_EQ(sample(text, R"(herald_quota_used{channel="email",period="day",tenant="storm"})"),
              850);
    EXPECT_EQ(sample(text, R"(herald_quota_limit{channel="email",period="day",tenant="storm"})"),
              1000);
    EXPECT_EQ(sample(text, R"(herald_quota_used{channel="email",period="month",tenant="storm"})"),
              850);
    EXPECT_EQ(sample(text, R"(herald_quota_limit{channel="email",period="month",tenant="storm"})"),
              -1)
        << "no limit, no sample: the 80 % alert cannot divide by it";
    EXPECT_EQ(sample(text, R"(herald_storage_bytes{tenant="storm"})"), 2048);
    EXPECT_EQ(sample(text, R"(herald_storage_bytes_limit{tenant="storm"})"), -1);
    EXPECT_EQ(sample(text, R"(herald_storage_messages_limit{tenant="storm"})"), 100);
    EXPECT_EQ(sample(text, R"(herald_breaker_state{tenant="storm"})"), 2);
    EXPECT_EQ(sample(text, R"(herald_breaker_state{tenant="calm"})"), 1);
    EXPECT_EQ(sample(text, R"(herald_tenant_paused{tenant="storm"})"), 0);
    EXPECT_EQ(sample(text, R"(herald_tenant_paused{tenant="calm"})"), 1);
    EXPECT_EQ(sample(text, "herald_backpressure"), 1);
}

TEST(metrics_gauges_test, an_empty_answer_still_names_every_family) {
    metrics_registry r({});
    const auto text = r.text(ops::gauges_from_rates({}));
    for (const char* family :
         {"herald_queue_messages", "herald_tenant_queued_messages", "herald_quota_used",
          "herald_quota_limit", "herald_storage_bytes", "herald_storage_bytes_limit",
          "herald_storage_messages", "herald_storage_messages_limit", "herald_breaker_state",
          "herald_tenant_paused", "herald_backpressure"})
        EXPECT_NE(text.find(std::string("# TYPE ") + family + " gauge\n"), std::string::npos)
            << family;
    EXPECT_EQ(sample(text, "herald_backpressure"), -1);
    // Counters nothing was counted in yet are named as well.
    EXPECT_NE(text.find("# TYPE herald_messages_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE herald_webhook_batches_total counter\n"), std::string::npos);
    r.webhook("acme", "dead", 1);
    const auto after = r.text({});
    EXPECT_EQ(after.find("# TYPE herald_webhook_batches_total counter\n"),
              after.rfind("# TYPE herald_webhook_batches_total counter\n"))
        << "written once";
}

struct metrics_redis_test : test::queue_fixture {
    // A consumer `name` of shard `shard`'s email group is given an entry
    // (Redis 7.0 makes a consumer only of a read that gets one).
    void read_as(const std::string& name, std::uint32_t shard) {
        const auto stream = queue::ingress_key(shard, channel::email);
        server.cmd({"XGROUP", "CREATE", stream, std::string(queue::group_name), "$", "MKSTREAM"});
        server.cmd({"XADD", stream, "*", "probe", "1"});
        server.cmd({"XREADGROUP", "GROUP", std::string(queue::group_name), name, "COUNT", "1",
                    "STREAMS", stream, ">"});
    }
    std::size_t seen(std::chrono::milliseconds recent) {
        auto n = test::run(ioc, ops::workers_seen(client, q.shards, recent));
        EXPECT_TRUE(n.has_value());
        return n ? *n : 0;
    }
};

TEST_F(metrics_redis_test, workers_seen_are_the_distinct_consumers_that_read_recently) {
    EXPECT_EQ(seen(std::chrono::seconds(60)), 0u) << "nobody read yet";
    read_as("host:1", 0);
    read_as("host:1", 1);  // the same worker on another shard
    read_as("host:2", 1);
    EXPECT_EQ(seen(std::chrono::seconds(60)), 2u);
    // A consumer's idle time is never negative: with no time allowed,
    // nobody counts as recent.
    EXPECT_EQ(seen(std::chrono::milliseconds(0)), 0u);
}

TEST_F(metrics_redis_test, a_worker_reading_an_idle_queue_is_seen_by_its_named_connection) {
    // Redis 7.0 makes no consumer of a read that gets nothing, so only the
    // connection's name and last command show this worker.
    auto reader = [&](const std::string& name) {
        auto opt = redis::client_options{std::chrono::milliseconds(2000)};
        opt.name = name;
        return std::make_unique<redis::client>(ioc.get_executor(),
                                               *redis::endpoint::parse(server.url()), opt);
    };
    auto worker = reader(std::string(ops::worker_client_prefix) + "host:7");
    auto other = reader("webhooks");  // reads a group too, but is no worker
    const auto stream = queue::ingress_key(2, channel::email);
    server.cmd({"XGROUP", "CREATE", stream, std::string(queue::group_name), "$", "MKSTREAM"});
    server.cmd({"XGROUP", "CREATE", stream, "hooks", "$", "MKSTREAM"});
    worker->start();
    other->start();
    auto read = [&](redis::client& c, const std::string& group, const std::string& consumer) {
        return test::run(ioc, c.exec(redis::cmd("XREADGROUP", "GROUP", group, consumer, "COUNT",
                                                "1", "BLOCK", "50", "STREAMS", stream, ">"),
                                     std::chrono::milliseconds(50)));
    };
    ASSERT_TRUE(read(*worker, std::string(queue::group_name), "host:7"));
    ASSERT_TRUE(read(*other, "hooks", "dispatcher"));
    EXPECT_EQ(server.cmd({"XINFO", "CONSUMERS", stream, std::string(queue::group_name)}).size(), 0u)
        << "no consumer was made";
    EXPECT_EQ(seen(std::chrono::seconds(60)), 1u);
    read_as("host:7", 3);  // the same worker, given entries elsewhere: still one
    EXPECT_EQ(seen(std::chrono::seconds(60)), 1u);
    EXPECT_EQ(seen(std::chrono::milliseconds(0)), 0u);
}

TEST_F(metrics_redis_test, a_scrape_within_the_gauges_time_to_live_reads_redis_once) {
    metrics_registry cached({q.shards, std::chrono::hours(1)});
    metrics_registry uncached({q.shards, std::chrono::milliseconds(0)});
    auto scrape = [&](metrics_registry& r) { return test::run(ioc, r.scrape(client)); };
    EXPECT_EQ(sample(scrape(cached), "herald_workers_seen"), 0);
    read_as("host:1", 0);
    EXPECT_EQ(sample(scrape(cached), "herald_workers_seen"), 0) << "the first reading, kept";
    const auto fresh = scrape(uncached);
    EXPECT_EQ(sample(fresh, "herald_workers_seen"), 1);
    EXPECT_EQ(sample(fresh, "herald_gauges_up"), 1);
}

TEST_F(metrics_redis_test, a_redis_that_does_not_answer_leaves_the_gauges_down_and_the_counters) {
    metrics_registry r({q.shards, std::chrono::milliseconds(0)});
    r.count("acme", channel::email, "accepted", 1);
    server.stop();
    const auto text = test::run(ioc, r.scrape(client));
    EXPECT_EQ(sample(text, "herald_gauges_up"), 0);
    EXPECT_EQ(sample(text, "herald_workers_seen"), -1);
    EXPECT_EQ(
        sample(text, R"(herald_messages_total{channel="email",outcome="accepted",tenant="acme"})"),
        1);
}

}  // namespace
}  // namespace herald
