// Installs herald's server-side library (the Lua fragments listed in
// CMakeLists.txt's HERALD_LUA_SOURCES, embedded at build time) and lays out
// the shards: each shard's meta hash and its ingress streams with the
// "workers" consumer group. Idempotent; run by every herald process at
// start-up, so a restarted or new Redis is usable at once. load_library
// refuses to replace the library of a newer protocol (queue/contract.hpp).
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "queue/redis_client.hpp"

namespace herald::queue {

std::string_view library_source();

boost::asio::awaitable<result<void>> load_library(redis::client& redis);
boost::asio::awaitable<result<void>> init_shards(redis::client& redis, const queue_config& q);

// Writes tenant-setting defaults (name -> value) into every shard's meta
// hash, where the admission guards read them.
boost::asio::awaitable<result<void>> publish_settings(
    redis::client& redis, std::uint32_t shards,
    const std::vector<std::pair<std::string, std::string>>& fields);

// True when a reply says FCALL found no such function (a Redis that lost
// its functions, e.g. restarted without persistence).
bool is_function_missing(const error& e);

}  // namespace herald::queue
