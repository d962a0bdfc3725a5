// One tenant's dead letters, for the HTTP API: list (newest first),
// requeue one, purge all. The dead stream hd:{sN}:dead is the shard's,
// shared by its tenants, so every call (queue/lua/dead_letters.lua) looks
// at no more than contract::dead_scan entries and answers where the next
// one goes on: list_dead makes at most 8 calls to fill a page (so a page
// may hold fewer than `limit` items and still have a next cursor), and
// purge_dead calls until the stream's end.
//
// requeue_dead puts the message back into its ingress stream under the
// same id as a fresh message (attempts from 0, a new max age, its history
// kept), charged to the storage quota again (storage_quota_exceeded when
// it is full), removed from the dead stream, its status record queued
// again. It finds the dead letter where the message's status record says
// (delivered_ttl_s after it died), else among the shard's newest
// contract::dead_scan dead letters.
//
// Errors: queue_errc for Redis trouble, invalid_argument for a bad tenant
// or cursor, the storage quota's codes.
#pragma once

#include "core/error.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::queue {

struct dead_letter {
    message_id id;
    std::string reason, detail;
    std::int64_t died_ms = 0;
    std::uint32_t attempts = 0;
};
struct dead_page {
    std::vector<dead_letter> items;
    std::string next_cursor;  // empty: the end
};

boost::asio::awaitable<result<dead_page>> list_dead(redis::client& redis, std::uint32_t shards,
                                                    std::string_view tenant,
                                                    std::string_view cursor, std::size_t limit);
// false: no such dead letter of this tenant.
boost::asio::awaitable<result<bool>> requeue_dead(redis::client& redis, std::uint32_t shards,
                                                  std::string_view tenant, const message_id& id);
// How many were deleted.
boost::asio::awaitable<result<std::uint64_t>> purge_dead(redis::client& redis, std::uint32_t shards,
                                                         std::string_view tenant);

}  // namespace herald::queue
