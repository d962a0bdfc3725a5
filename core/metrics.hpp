// What a herald process counts for Prometheus, declared where every folder
// can reach it. core/ only names the measurements; ops/metrics installs the
// registry that keeps them and answers /metrics. Until one is installed
// (tools, most tests) every call is a no-op costing one atomic load.
//
// Counts are this process's own, as Prometheus expects of a counter; the
// cluster-wide numbers live in Redis (ops/rates). Label values are bounded:
// a tenant and a channel, never a recipient or a domain.
#pragma once

#include "core/channel.hpp"

#include <atomic>
#include <cstdint>
#include <string_view>

namespace herald::metrics {

// The latencies kept as histograms, in seconds.
enum class latency {
    enqueue_to_delivered,  // admission to the delivered outcome
    smtp_transaction,      // MAIL FROM to the reply after the final dot
    sms_request,           // one provider API request
    redis_round_trip,      // one command or pipeline to Redis and back
};

class sink {
public:
    virtual ~sink() = default;
    // `outcome`: accepted, duplicate, refused (admission), delivered,
    // deferred, bounced, unknown, dead (the worker).
    virtual void count(std::string_view tenant, channel ch, std::string_view outcome,
                       std::uint64_t n) = 0;
    virtual void observe(latency what, double seconds) = 0;
    // The same with the message's channel, which enqueue_to_delivered is
    // labelled by; a sink without channels keeps only the latency.
    virtual void observe(latency what, channel ch, double seconds) {
        (void)ch;
        observe(what, seconds);
    }
    // Webhook batches by what became of them: delivered, retried, dead,
    // replayed.
    virtual void webhook(std::string_view tenant, std::string_view result, std::uint64_t n) = 0;
};

namespace detail {
inline std::atomic<sink*> installed{nullptr};
}

// At startup, before the process's threads; the sink must outlive them.
inline void install(sink* s) {
    detail::installed.store(s, std::memory_order_release);
}

inline void count(std::string_view tenant, channel ch, std::string_view outcome,
                  std::uint64_t n = 1) {
    if (auto* s = detail::installed.load(std::memory_order_acquire))
        s->count(tenant, ch, outcome, n);
}

inline void observe(latency what, double seconds) {
    if (auto* s = detail::installed.load(std::memory_order_acquire)) s->observe(what, seconds);
}

inline void observe(latency what, channel ch, double seconds) {
    if (auto* s = detail::installed.load(std::memory_order_acquire)) s->observe(what, ch, seconds);
}

inline void webhook(std::string_view tenant, std::string_view result, std::uint64_t n = 1) {
    if (auto* s = detail::installed.load(std::memory_order_acquire)) s->webhook(tenant, result, n);
}

}  // namespace herald::metrics
