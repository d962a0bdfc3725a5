// The producer side: hands messages to the admission function. A batch
// goes as one herald_admit_batch call per shard (split into calls of at
// most `max_call_messages` messages or `max_call_bytes` of payload), all
// calls pipelined: one round trip, and Redis reads settings and charges
// tenant-wide counters once per call rather than once per message.
// Validate the message first (core/message.hpp) for clear errors before
// any network; the worker validates again, since other producers may use
// plain FCALL herald_admit.
//
// Answers: accepted (a new message id), a duplicate inside the dedupe
// window (the first message's id; nothing stored), or an idempotent replay
// of either. Errors: the admission function's codes (invalid_message,
// wrong_shard, payload_too_large, circuit_open with Retry-After,
// idempotency_key_reused, idempotency_in_flight, ...) and queue_errc for
// Redis trouble; -OOM arrives as backpressure. A `connection_lost` or
// `timeout` leaves the outcome unknown: retry only with an idempotency key.
// Each answer the admission function gives is counted per tenant for
// /metrics (accepted, duplicate, refused; core/metrics.hpp).
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"
#include "queue/contract.hpp"
#include "queue/redis_client.hpp"

namespace herald::queue {

struct admission {
    std::string tenant;
    channel ch = channel::email;
    std::string payload;          // the message as JSON (core/message.hpp)
    std::string content_hash;     // dedupe::content_hash; empty: hash of the payload bytes
    std::string idempotency_key;  // optional
    // The recipients, normalised as dedupe::normalize_address does. Given,
    // the admission function takes them as they are and does not decode
    // the payload; empty, it decodes the payload to find them.
    std::vector<std::string> recipients;
    // The From domain as a lower-case A-label (mime::to_ascii_domain), for
    // the sender-domain guard; empty, it reads the payload's From.
    std::string from_domain;
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

    static constexpr std::size_t max_call_messages = 128;
    static constexpr std::size_t fields_per_message = contract::admit_fields;
    static constexpr std::size_t max_call_bytes = 1 << 20;

    // One round trip for the whole batch, one result per item, in order.
    boost::asio::awaitable<std::vector<result<admitted>>> admit_batch(
        const std::vector<admission>& batch);

    static result<admitted> parse_answer(const redis::reply& r);

private:
    // The batch's items by call: each call's items share a shard.
    std::vector<std::vector<std::size_t>> plan_calls(const std::vector<admission>& batch,
                                                     std::vector<result<admitted>>& out) const;
    redis::command call_command(const std::vector<admission>& batch,
                                const std::vector<std::size_t>& items) const;
    static void count_answer(const admission& a, const result<admitted>& r);

    redis::client& redis_;
    std::uint32_t shards_;
    const clock* clock_;
};

}  // namespace herald::queue
