#include "ops/metrics.hpp"

#include "core/clock.hpp"
#include "ops/metrics_gauges.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>
#include <unordered_map>

namespace herald::ops {
namespace {

using prometheus::Counter;
using prometheus::Histogram;

// The outcomes core/metrics.hpp names; another string still counts, on a
// slower path.
constexpr std::array<std::string_view, 8> k_outcomes{
    "accepted", "duplicate", "refused", "delivered", "deferred", "bounced", "unknown", "dead"};
constexpr std::size_t k_slots = 2 * k_outcomes.size();

int outcome_index(std::string_view outcome) {
    for (std::size_t i = 0; i < k_outcomes.size(); ++i)
        if (k_outcomes[i] == outcome) return static_cast<int>(i);
    return -1;
}

// Enqueue to delivered spans retries: from tens of milliseconds (sent at
// once) to hours (deferred), with 60 s (the alert's threshold) a bound.
const Histogram::BucketBoundaries k_delivered_buckets{0.05, 0.1, 0.25, 0.5, 1,   2.5,  5,   10,
                                                      30,   60,  120,  300, 900, 1800, 3600};
// One SMTP transaction or SMS request: milliseconds on a LAN, up to the
// protocol timeouts (minutes) at worst.
const Histogram::BucketBoundaries k_exchange_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60,   300};
// A Redis round trip: a fraction of a millisecond on loopback, the client's
// timeout (seconds) at worst.
const Histogram::BucketBoundaries k_redis_buckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

constexpr const char* k_messages_help =
    "Messages by tenant, channel and outcome, as this process saw them";
constexpr const char* k_webhooks_help =
    "Webhook batches by tenant and result (delivered, retried, dead, replayed)";

std::atomic<std::uint64_t> next_registry_id{1};
std::atomic<metrics_registry*> installed{nullptr};

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

// One thread's counters, by tenant then channel x outcome. Tenants are
// bounded (registered ones), and the cap bounds it anyway.
struct counter_cache {
    static constexpr std::size_t max_tenants = 100000;
    std::uint64_t owner = 0;
    std::unordered_map<std::string, std::array<Counter*, k_slots>, string_hash, std::equal_to<>>
        by_tenant;
};

}  // namespace

metrics_registry::metrics_registry(metrics_options opt)
    : id_(next_registry_id.fetch_add(1)),
      opt_(opt),
      prom_(std::make_shared<prometheus::Registry>()),
      messages_(prometheus::BuildCounter()
                    .Name("herald_messages_total")
                    .Help(k_messages_help)
                    .Register(*prom_)),
      webhooks_(prometheus::BuildCounter()
                    .Name("herald_webhook_batches_total")
                    .Help(k_webhooks_help)
                    .Register(*prom_)) {
    auto& delivered = prometheus::BuildHistogram()
                          .Name("herald_enqueue_to_delivered_seconds")
                          .Help("From admission to the delivered outcome")
                          .Register(*prom_);
    for (auto ch : {channel::email, channel::sms})
        delivered_[static_cast<std::size_t>(ch)] =
            &delivered.Add({{"channel", std::string(to_string(ch))}}, k_delivered_buckets);
    smtp_ = &prometheus::BuildHistogram()
                 .Name("herald_smtp_transaction_seconds")
                 .Help("One SMTP transaction, MAIL FROM to the reply after the final dot")
                 .Register(*prom_)
                 .Add({}, k_exchange_buckets);
    sms_ = &prometheus::BuildHistogram()
                .Name("herald_sms_request_seconds")
                .Help("One request to an SMS provider's API")
                .Register(*prom_)
                .Add({}, k_exchange_buckets);
    redis_ = &prometheus::BuildHistogram()
                  .Name("herald_redis_round_trip_seconds")
                  .Help("One command or pipeline to Redis and back")
                  .Register(*prom_)
                  .Add({}, k_redis_buckets);
}

metrics_registry::~metrics_registry() {
    metrics_registry* self = this;
    installed.compare_exchange_strong(self, nullptr);
}

void metrics_registry::count(std::string_view tenant, channel ch, std::string_view outcome,
                             std::uint64_t n) {
    const int index = outcome_index(outcome);
    if (index < 0) {
        messages_
            .Add({{"tenant", std::string(tenant)},
                  {"channel", std::string(to_string(ch))},
                  {"outcome", std::string(outcome)}})
            .Increment(static_cast<double>(n));
        return;
    }
    thread_local counter_cache cache;
    if (cache.owner != id_ || cache.by_tenant.size() >= counter_cache::max_tenants) {
        cache.by_tenant.clear();
        cache.owner = id_;
    }
    auto it = cache.by_tenant.find(tenant);
    if (it == cache.by_tenant.end())
        it = cache.by_tenant.emplace(std::string(tenant), std::array<Counter*, k_slots>{}).first;
    auto*& counter = it->second[static_cast<std::size_t>(ch) * k_outcomes.size() + index];
    if (!counter)
        counter = &messages_.Add({{"tenant", it->first},
                                  {"channel", std::string(to_string(ch))},
                                  {"outcome", std::string(outcome)}});
    counter->Increment(static_cast<double>(n));
}

Histogram& metrics_registry::latency_histogram(metrics::latency what, channel ch) {
    switch (what) {
        case metrics::latency::enqueue_to_delivered:
            return *delivered_[static_cast<std::size_t>(ch)];
        case metrics::latency::smtp_transaction:
            return *smtp_;
        case metrics::latency::sms_request:
            return *sms_;
        case metrics::latency::redis_round_trip:
            return *redis_;
    }
    return *redis_;
}

void metrics_registry::observe(metrics::latency what, double seconds) {
    // Without a channel, enqueue_to_delivered is taken as email's.
    latency_histogram(what, channel::email).Observe(seconds);
}

void metrics_registry::observe(metrics::latency what, channel ch, double seconds) {
    latency_histogram(what, ch).Observe(seconds);
}

void metrics_registry::webhook(std::string_view tenant, std::string_view result, std::uint64_t n) {
    webhooks_.Add({{"tenant", std::string(tenant)}, {"result", std::string(result)}})
        .Increment(static_cast<double>(n));
}

std::string metrics_registry::text(const std::vector<prometheus::MetricFamily>& gauges) const {
    auto families = prom_->Collect();
    // prometheus-cpp leaves out a family nothing was counted in yet; its
    // name is written all the same, so that queries and alerts on it (a
    // webhook dead-letter) are known from the start.
    for (const auto* counters : {&messages_, &webhooks_}) {
        const auto& name = counters->GetName();
        const bool written = std::any_of(families.begin(), families.end(),
                                         [&](const auto& f) { return f.name == name; });
        if (!written)
            families.push_back({name,
                                name == "herald_messages_total" ? k_messages_help : k_webhooks_help,
                                prometheus::MetricType::Counter,
                                {}});
    }
    families.insert(families.end(), gauges.begin(), gauges.end());
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, families);
    return std::move(out).str();
}

boost::asio::awaitable<metrics_registry::gauges_ptr> metrics_registry::gauges(
    redis::client& redis) {
    const auto now = std::chrono::steady_clock::now();
    gauges_ptr last;
    {
        std::lock_guard lock(gauges_mutex_);
        last = gauges_;
        if (last && now - gauges_at_ < opt_.gauge_ttl) co_return last;
    }
    // One scrape refreshes; the others meanwhile answer with the last
    // reading (the first scrapes of all wait for their own).
    if (last && refreshing_.exchange(true)) co_return last;
    auto fresh = co_await read_gauges(redis, opt_.shards, wall_clock().now_ms());
    auto made = std::make_shared<const std::vector<prometheus::MetricFamily>>(std::move(fresh));
    {
        std::lock_guard lock(gauges_mutex_);
        gauges_ = made;
        gauges_at_ = std::chrono::steady_clock::now();
    }
    if (last) refreshing_.store(false);
    co_return made;
}

boost::asio::awaitable<std::string> metrics_registry::scrape(redis::client& redis) {
    auto g = co_await gauges(redis);
    co_return text(*g);
}

metrics_registry* installed_registry() {
    return installed.load(std::memory_order_acquire);
}

metrics_registry& install_metrics(metrics_options opt) {
    // Lives as long as the process: threads may count until its very end.
    static metrics_registry* the = new metrics_registry(opt);
    installed.store(the, std::memory_order_release);
    metrics::install(the);
    return *the;
}

}  // namespace herald::ops
