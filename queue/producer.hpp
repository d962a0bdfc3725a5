// The producer side: hands messages to the admission function. One FCALL
// per message; calls issued together are pipelined, so a batch costs one
// round trip. The message is validated here first (clear errors before any
// network), and again by the worker (other producers may use plain FCALL).
//
// Errors: the admission function's codes (invalid_message, wrong_shard,
// payload_too_large, not_initialized, ...) and queue_errc for Redis
// trouble; -OOM arrives as backpressure. A `connection_lost` or `timeout`
// leaves the outcome unknown: retry only with an idempotency key.
#pragma once

#include "core/message.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

namespace herald::queue {

struct admission {
    std::string tenant;
    channel ch = channel::email;
    std::string payload;  // the message as JSON (core/message.hpp)
};

class producer {
public:
    producer(redis::client& redis, std::uint32_t shards) : redis_(redis), shards_(shards) {}

    boost::asio::awaitable<result<message_id>> admit(std::string_view tenant, const message& m);
    // Pipelined: one round trip for the whole batch, one result per item.
    boost::asio::awaitable<std::vector<result<message_id>>> admit_batch(
        const std::vector<admission>& batch);

    static redis::command admit_command(const admission& a, std::uint32_t shards);
    static result<message_id> parse_answer(const redis::reply& r);

private:
    redis::client& redis_;
    std::uint32_t shards_;
};

}  // namespace herald::queue
