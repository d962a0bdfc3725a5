// Makes a Redis ready for herald: installs the Functions library, lays out
// the shards and publishes every guard's defaults from the config.
// Idempotent; every herald process runs it at start-up.
#pragma once

#include "core/config.hpp"
#include "queue/redis_client.hpp"

namespace herald::app {

boost::asio::awaitable<result<void>> prepare_redis(redis::client& redis, const config& cfg);

}  // namespace herald::app
