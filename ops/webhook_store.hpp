// Webhooks in Redis (queue/keys.hpp: whe, whq, whb, whl, whdue, whd,
// whdb, whst; the functions are ops/lua/webhooks.lua): a tenant's
// endpoints, each endpoint's queue of pending batches, the claim of one
// batch per endpoint at a time, and the tenant's dead letters.
//
// Bounds: at most webhooks.max_endpoints endpoints a tenant (checked in
// the call that adds one); at most max_pending batches an endpoint (the
// oldest goes to the dead letters, counted as `overflowed`); at most
// dead_max dead batches a tenant (the oldest dropped, counted as
// `dropped`).
//
// Errors: Redis failures as queue errors; endpoint_limit,
// endpoint_not_found and batch_not_found (ops/webhook_errors.hpp).
#pragma once

#include "core/error.hpp"
#include "ops/webhook_filter.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herald::ops {

template <class T>
using task = boost::asio::awaitable<result<T>>;

struct webhook_endpoint {
    std::string id;
    std::string url;
    webhook_filter filter;
    std::string secret;  // never shown after creation
    std::int64_t created_ms = 0;
    std::int64_t pending = 0;  // batches waiting (list_endpoints only)
};

// The stored form (JSON) and back; nothing for a record that is not one.
std::string endpoint_record(const webhook_endpoint& e);
std::optional<webhook_endpoint> endpoint_from_record(std::string id, std::string_view record);

// ---- endpoints --------------------------------------------------------------------

task<void> add_endpoint(redis::client& redis, std::uint32_t shards, std::string tenant,
                        webhook_endpoint e, std::uint32_t max_endpoints);
// Sorted by creation, with their pending counts.
task<std::vector<webhook_endpoint>> list_endpoints(redis::client& redis, std::uint32_t shards,
                                                   std::string tenant);
// The endpoints of a tenant as the dispatcher reads them (no counts).
task<std::vector<webhook_endpoint>> endpoints_of(redis::client& redis, std::uint32_t shard,
                                                 std::string tenant);
// Removes the endpoint and its pending batches; endpoint_not_found.
task<std::int64_t> remove_endpoint(redis::client& redis, std::uint32_t shards, std::string tenant,
                                   std::string id);

// ---- dead letters -----------------------------------------------------------------

struct dead_batch {
    std::string id, endpoint, reason, detail, body;
    std::int64_t attempts = 0, first_ms = 0, died_ms = 0;
    std::size_t events = 0;
};

struct dead_batches {
    std::int64_t total = 0;         // dead batches kept
    std::int64_t dropped = 0;       // dropped past dead_max, ever
    std::int64_t overflowed = 0;    // pushed out of a full pending queue, ever
    std::vector<dead_batch> items;  // newest first
};

task<dead_batches> list_dead_batches(redis::client& redis, std::uint32_t shards, std::string tenant,
                                     std::size_t limit);

struct replayed {
    std::int64_t count = 0;
    std::vector<std::string> endpoint_gone;  // batches left dead: their endpoint was removed
};

// One dead batch (`batch`), or all of them (empty), back into their
// endpoints' queues with the same id; batch_not_found for a batch that is
// not dead.
task<replayed> replay_dead_batches(redis::client& redis, std::uint32_t shards, std::string tenant,
                                   std::string batch, std::int64_t now_ms,
                                   std::uint32_t max_pending, std::uint32_t dead_max);

// ---- the dispatcher's side --------------------------------------------------------

struct batch_to_store {
    std::string tenant, endpoint, id, body;
};

struct store_answer {
    std::int64_t acked = 0, stored = 0, overflowed = 0, dropped = 0;
    std::vector<std::int64_t> overflowed_by;  // per batch, in order: batches it pushed out
};

// Stores the batches and acknowledges the events stream's entries `ids`
// (group "webhooks") in one call.
task<store_answer> store_batches(redis::client& redis, std::uint32_t shard, std::int64_t now_ms,
                                 std::uint32_t max_pending, std::uint32_t dead_max,
                                 const std::vector<std::string>& ids,
                                 const std::vector<batch_to_store>& batches);

struct claimed_batch {
    std::uint32_t shard = 0;
    std::string tenant;
    webhook_endpoint endpoint;
    std::string id;
    std::int64_t first_try_ms = 0;
    std::int64_t attempts = 0;  // tries before this one
    std::string body;
};

// Up to `limit` due endpoints of the shard, each with its first batch,
// their leases taken for `lease_ms` by `holder`.
task<std::vector<claimed_batch>> claim_batches(redis::client& redis, std::uint32_t shard,
                                               std::int64_t now_ms, std::int64_t lease_ms,
                                               std::size_t limit, const std::string& holder);

enum class batch_fate { delivered, retry, dead };

// What became of a claimed batch; false when it was no longer pending.
task<bool> settle_batch(redis::client& redis, const claimed_batch& b, const std::string& holder,
                        std::int64_t now_ms, batch_fate fate, std::int64_t next_due_ms,
                        std::string_view detail, std::uint32_t dead_max);

}  // namespace herald::ops
