// PLACEHOLDER until h5-queue-ops lands.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

namespace herald::queue {

struct suppression {
    std::string recipient;
    std::string reason;
    std::int64_t created_ms = 0, expires_ms = 0;
};
struct suppression_page {
    std::vector<suppression> items;
    std::string next_cursor;
};
boost::asio::awaitable<result<suppression_page>> list_suppressions(redis::client&, std::uint32_t shards, std::string_view tenant, std::string_view cursor, std::size_t limit);
boost::asio::awaitable<result<void>> add_suppression(redis::client&, std::uint32_t shards, std::string_view tenant, std::string_view recipient, std::string_view reason, std::uint64_t ttl_s);
boost::asio::awaitable<result<bool>> remove_suppression(redis::client&, std::uint32_t shards, std::string_view tenant, std::string_view recipient);

}  // namespace herald::queue
