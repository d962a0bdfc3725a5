// PLACEHOLDER until h5-queue-ops lands: the tenant registry's signatures.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace herald::queue {

boost::asio::awaitable<result<bool>> create_tenant(redis::client& redis, std::uint32_t shards,
                                                   std::string_view tenant);
boost::asio::awaitable<result<std::vector<std::string>>> list_tenants(redis::client& redis);
boost::asio::awaitable<result<bool>> tenant_exists(redis::client& redis, std::string_view tenant);
boost::asio::awaitable<result<void>> set_paused(redis::client& redis, std::uint32_t shards,
                                                std::string_view tenant, bool paused);
boost::asio::awaitable<result<bool>> is_paused(redis::client& redis, std::uint32_t shards,
                                               std::string_view tenant);

}  // namespace herald::queue
