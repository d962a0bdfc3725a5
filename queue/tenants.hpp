// The tenants ops created, and pausing one. The registry is one global set
// (hd:{t}:tenants, its own hash tag), capped at contract::tenants_max
// (100,000; past it errc::tenant_limit, 409): a tenant's data lives on its
// shard, the registry only tells the API which tenants exist.
//
// A paused tenant's queued mail waits: the claim's send gate (ratelimit/
// lua/pause.lua) holds each message back for contract::pause_wait_ms
// (3 s) at a time without using an attempt, while admission goes on; a
// resume takes effect within that wait. The flag is the tenant setting
// send.paused (so `herald tenant set <t> send.paused 1` does the same).
//
// Errors: queue_errc for Redis trouble, invalid_message for a bad tenant
// id (core/message.hpp validate_tenant), tenant_limit.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::queue {

// false: it existed. The registry is global, not a shard's.
boost::asio::awaitable<result<bool>> create_tenant(redis::client& redis, std::string_view tenant);
// Sorted.
boost::asio::awaitable<result<std::vector<std::string>>> list_tenants(redis::client& redis);
boost::asio::awaitable<result<bool>> tenant_exists(redis::client& redis, std::string_view tenant);
boost::asio::awaitable<result<void>> set_paused(redis::client& redis, std::uint32_t shards,
                                                std::string_view tenant, bool paused);
boost::asio::awaitable<result<bool>> is_paused(redis::client& redis, std::uint32_t shards,
                                               std::string_view tenant);

}  // namespace herald::queue
