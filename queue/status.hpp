// PLACEHOLDER until h5-queue-ops lands.
#pragma once

#include "core/error.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

namespace herald::queue {

enum class message_state { queued, in_flight, deferred, delivered, bounced, dead, unknown, expired };
std::string_view to_string(message_state s) noexcept;
struct message_status {
    message_id id;
    std::string tenant;
    message_state state = message_state::queued;
    std::int64_t admitted_ms = 0;
    std::uint32_t attempts = 0;
    std::int64_t next_attempt_ms = 0;
    std::vector<std::string> history;
    std::int64_t finished_ms = 0;
    std::string reply;
    std::string reason, detail;
};
boost::asio::awaitable<result<std::optional<message_status>>> read_status(
    redis::client& redis, std::uint32_t shards, std::string_view tenant, const message_id& id);

}  // namespace herald::queue
