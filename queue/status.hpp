// The state of one message, for GET /v1/messages/{id}: read in one call
// (herald_status, queue/lua/status.lua) from what the queue keeps anyway
// (its entry, lease, deferred record and retry time, delivered marker) and
// the one status record a message gets once it was re-appended or ended
// without delivery. Admission writes nothing for it.
//
//   queued     in its stream, or held back without an attempt (a rate
//              limit, a pause, a suspended destination: next_attempt_ms)
//   in_flight  a worker holds its send lease
//   deferred   failed attempts so far, the next one at next_attempt_ms
//   delivered  the peer's reply (at most 200 bytes)
//   unknown    no answer to the final dot, counted delivered (smtp.unknown_outcome);
//              for an SMS, no answer from the provider and no receipt since
//   sent       SMS: the provider took it, no final receipt yet (sms/receipt.hpp)
//   delivered  (SMS: the receipt says so)
//   undelivered  SMS: the carrier could not reach the handset (receipt)
//   failed     SMS: the provider or carrier refused it after taking it (receipt)
//   bounced    dead letter after a permanent failure (reason "bounced")
//   expired    dead letter at its max age
//   dead       dead letter for any other reason (attempts exhausted, malformed)
//
// How long it can be read: while queued, and delivered_ttl_s after it
// ended (the marker's and the record's TTL).
//
// Errors: queue_errc for Redis trouble. No such message and another
// tenant's message are both nullopt, so the API cannot tell them apart.
#pragma once

#include "core/error.hpp"
#include "core/message_id.hpp"
#include "queue/redis_client.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::queue {

enum class message_state {
    queued,
    in_flight,
    deferred,
    delivered,
    bounced,
    dead,
    unknown,
    expired,
    sent,  // SMS only, from here down
    undelivered,
    failed,
};
std::string_view to_string(message_state s) noexcept;

struct message_status {
    message_id id;
    std::string tenant;
    message_state state = message_state::queued;
    std::int64_t admitted_ms = 0;
    std::uint32_t attempts = 0;        // failed attempts so far
    std::int64_t next_attempt_ms = 0;  // deferred (or held back): when it is tried again
    std::vector<std::string> history;  // the failed attempts' lines, oldest first (at most 10)
    std::int64_t finished_ms = 0;      // delivered / bounced / dead / unknown / expired
    std::string reply;                 // delivered: the peer's reply
    std::string reason, detail;        // bounced / dead / expired / unknown
    // SMS: the provider that took it, its message id and error code, from
    // its receipt (empty until one came).
    std::string provider, provider_id, provider_code;
};

// nullopt when there is no such message or it is another tenant's: the API answers 404 for both.
boost::asio::awaitable<result<std::optional<message_status>>> read_status(redis::client& redis,
                                                                          std::uint32_t shards,
                                                                          std::string_view tenant,
                                                                          const message_id& id);

}  // namespace herald::queue
