// The gauges of /metrics, read from Redis when Prometheus scrapes, never
// on the hot path: queue depth, each tenant's queue, quota, storage,
// breaker and pause state, backpressure, and the workers seen. They come
// from one ops::collect_rates call (window 60 s: the same numbers as
// GET /v1/stats/rates) plus one pipeline of XINFO CONSUMERS; every herald
// process reports the same cluster-wide values, so queries take max()
// over instances.
//
// The gauges (README "Metrics and alerts"):
//   herald_queue_messages{state}         ready | in_flight | deferred | dead, all shards
//   herald_tenant_queued_messages{tenant}
//   herald_quota_used{tenant,channel,period}, herald_quota_limit{...} (only when limited)
//   herald_storage_bytes{tenant}, herald_storage_bytes_limit{tenant} (only when limited)
//   herald_storage_messages{tenant}, herald_storage_messages_limit{tenant} (only when limited)
//   herald_breaker_state{tenant}          0 closed, 1 half-open, 2 open: the worst of its breakers
//   herald_tenant_paused{tenant}          1 paused
//   herald_backpressure                   1 while admission refuses new work
//   herald_workers_seen                   workers that read the queue in the last 60 s
//   herald_gauges_up                      1 when this reading of Redis succeeded
// A family is written even without samples, so its name is always there.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <prometheus/metric_family.h>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace herald::ops {

// The gauges for an answer of collect_rates (the JSON of
// GET /v1/stats/rates); members it lacks leave their samples out.
std::vector<prometheus::MetricFamily> gauges_from_rates(const boost::json::object& rates);

// What names a worker's Redis connections (CLIENT SETNAME), before its
// consumer name ("host:pid").
inline constexpr std::string_view worker_client_prefix = "herald-work:";

// The distinct workers that read the ingress streams within `recent`: the
// consumers of every shard's ingress groups (both channels) whose idle
// time is under it, and the connections named worker_client_prefix +
// consumer whose last command, under as long ago, was XREADGROUP. Both,
// because Redis 7.0 refreshes a consumer's idle time only when it is
// given entries: on an idle queue only the connection shows a live
// worker, and a Redis whose ACL refuses CLIENT LIST still has consumers.
boost::asio::awaitable<result<std::size_t>> workers_seen(redis::client& redis, std::uint32_t shards,
                                                         std::chrono::milliseconds recent);

// Every gauge, read now; what Redis did not answer is left out and
// herald_gauges_up says so.
boost::asio::awaitable<std::vector<prometheus::MetricFamily>> read_gauges(redis::client& redis,
                                                                          std::uint32_t shards,
                                                                          std::uint64_t now_ms);

}  // namespace herald::ops
