// Per-tenant live rates, the same from any node: admission and the settle
// call count each tenant × channel × outcome into per-second buckets in
// Redis (hd:{sN}:rate:<unix second>, a hash of "<tenant>|<channel>|<outcome>"
// and enqueue-to-delivered latency buckets, expiring after rates_keep_s), in
// the calls that already run. collect_rates reads them back with each
// tenant's queue, quota, storage and breaker state: the answer of
// GET /v1/stats/rates, `herald top`, the dashboard and the gauges of
// /metrics (README "Live rates").
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace herald::ops {

struct rates_query {
    std::uint32_t window_s = 900;       // 60..900
    std::uint32_t step_s = 10;          // 1..window_s
    std::optional<std::string> tenant;  // one tenant, or every registered tenant
};

// ?window= and ?step= as "15m", "90s" or "900" (seconds); empty: the
// default. The error names the field.
result<rates_query> make_query(std::string_view window, std::string_view step,
                               std::optional<std::string> tenant);

boost::asio::awaitable<result<boost::json::object>> collect_rates(redis::client& redis,
                                                                  std::uint32_t shards,
                                                                  rates_query q,
                                                                  std::uint64_t now_ms);

}  // namespace herald::ops
