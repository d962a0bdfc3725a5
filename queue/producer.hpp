// The producer side: hands messages to the admission function. One FCALL
// per message; calls issued together are pipelined, so a batch costs one
// round trip. Validate the message first (core/message.hpp) for clear
// errors before any network; the worker validates again, since other
// producers may use plain FCALL.
//
// Answers: accepted (a new message id), a duplicate inside the dedupe
// window (the first message's id; nothing stored), or an idempotent replay
// of either. Errors: the admission function's codes (invalid_message,
// wrong_shard, payload_too_large, circuit_open with Retry-After,
// idempotency_key_reused, idempotency_in_flight, ...) and queue_errc for
// Redis trouble; -OOM arrives as backpressure. A `connection_lost` or
// `timeout` leaves the outcome unknown: retry only with an idempotency key.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

namespace herald::queue {

struct admission {
    std::string tenant;
    channel ch = channel::email;
    std::string payload;          // the message as JSON (core/message.hpp)
    std::string content_hash;     // dedupe::content_hash; empty: hash of the payload bytes
    std::string idempotency_key;  // optional
};

struct admitted {
    message_id id;           // the new message, or the first one for a duplicate
    bool duplicate = false;  // inside the dedupe window: not stored, not sent
    bool replay = false;     // the answer to an earlier request with the same key
};

class producer {
public:
    // With a clock, admission uses its time (tests move it); without, Redis TIME.
    producer(redis::client& redis, std::uint32_t shards, const clock* clk = nullptr)
        : redis_(redis), shards_(shards), clock_(clk) {}

    // Pipelined: one round trip for the whole batch, one result per item.
    boost::asio::awaitable<std::vector<result<admitted>>> admit_batch(
        const std::vector<admission>& batch);

    redis::command admit_command(const admission& a) const;
    static result<admitted> parse_answer(const redis::reply& r);

private:
    redis::client& redis_;
    std::uint32_t shards_;
    const clock* clock_;
};

}  // namespace herald::queue
