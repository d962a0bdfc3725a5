// What one herald process exposes to Prometheus on /metrics: the counters
// and histograms its own threads feed through core/metrics.hpp, and gauges
// read from Redis when scraped (ops/metrics_gauges.hpp).
//
// Built on Debian's prometheus-cpp (core only: Registry, families,
// TextSerializer); herald's own Beast server answers the HTTP, so its
// civetweb exposer is not used.
//
// Cost: count() keeps, per thread, the counter of each tenant x channel x
// outcome it has met, so the hot path is one hash lookup and one atomic
// add (bench/metrics_bench). Label values are bounded: a tenant, a
// channel, a fixed outcome or result, never a recipient or a domain.
//
// Scrapes: the gauges are read from Redis at most once per `gauge_ttl`
// whatever the number of scrapers and threads; a scrape that finds them
// stale refreshes them while the others answer with the last reading. A
// Redis that does not answer leaves herald_gauges_up at 0 and the
// counters still exposed.
#pragma once

#include "core/metrics.hpp"
#include "queue/redis_client.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace herald::ops {

// The Content-Type of the text format 0.0.4.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct metrics_options {
    std::uint32_t shards = 16;
    std::chrono::milliseconds gauge_ttl{1000};
};

class metrics_registry final : public metrics::sink {
public:
    explicit metrics_registry(metrics_options opt);
    ~metrics_registry() override;
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    void count(std::string_view tenant, channel ch, std::string_view outcome,
               std::uint64_t n) override;
    void observe(metrics::latency what, double seconds) override;
    void observe(metrics::latency what, channel ch, double seconds) override;
    void webhook(std::string_view tenant, std::string_view result, std::uint64_t n) override;

    // The whole exposition for a scrape, on `redis`'s executor.
    boost::asio::awaitable<std::string> scrape(redis::client& redis);
    // This process's own counters and histograms, with `gauges` after them.
    std::string text(const std::vector<prometheus::MetricFamily>& gauges) const;

private:
    using gauges_ptr = std::shared_ptr<const std::vector<prometheus::MetricFamily>>;
    boost::asio::awaitable<gauges_ptr> gauges(redis::client& redis);
    prometheus::Histogram& latency_histogram(metrics::latency what, channel ch);

    const std::uint64_t id_;  // tells this registry's per-thread caches from another's
    metrics_options opt_;
    std::shared_ptr<prometheus::Registry> prom_;
    prometheus::Family<prometheus::Counter>& messages_;
    prometheus::Family<prometheus::Counter>& webhooks_;
    // enqueue_to_delivered per channel, then the other latencies.
    std::array<prometheus::Histogram*, 2> delivered_{};
    prometheus::Histogram* smtp_ = nullptr;
    prometheus::Histogram* sms_ = nullptr;
    prometheus::Histogram* redis_ = nullptr;

    mutable std::mutex gauges_mutex_;
    gauges_ptr gauges_;
    std::chrono::steady_clock::time_point gauges_at_{};
    std::atomic<bool> refreshing_{false};
};

// The registry this process installed as its metrics sink, for /metrics;
// null in tools and most tests.
metrics_registry* installed_registry();

// Creates the process's registry and installs it (core/metrics.hpp) for
// the rest of the process's life: `serve`, `work` and `up` call it at
// start-up, before their threads. Called again, it answers the same one.
metrics_registry& install_metrics(metrics_options opt);

}  // namespace herald::ops
