// PLACEHOLDER until h5-queue-ops lands.
#pragma once

#include "core/error.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

namespace herald::queue {

struct dead_letter {
    message_id id;
    std::string reason, detail;
    std::int64_t died_ms = 0;
    std::uint32_t attempts = 0;
};
struct dead_page {
    std::vector<dead_letter> items;
    std::string next_cursor;
};
boost::asio::awaitable<result<dead_page>> list_dead(redis::client&, std::uint32_t shards, std::string_view tenant, std::string_view cursor, std::size_t limit);
boost::asio::awaitable<result<bool>> requeue_dead(redis::client&, std::uint32_t shards, std::string_view tenant, const message_id& id);
boost::asio::awaitable<result<std::uint64_t>> purge_dead(redis::client&, std::uint32_t shards, std::string_view tenant);

}  // namespace herald::queue
