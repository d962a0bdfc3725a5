// The ingress stream's entry schema (version 1) and its decoding. Fields:
//
//   v        "1"                schema version
//   tenant   tenant id
//   payload  the message as JSON (core/message.hpp)
//   created  admission time, ms since the epoch (Redis TIME)
//   expires  created + max age; past it the message is dead-lettered
//   attempt  delivery attempts so far
//   units    what the message counts for limits and quotas (SMS: segments)
//   id       message id; absent on first admission, where it is the entry
//            id, the channel letter and the shard ("<ms>-<seq>-e<shard>")
//   history  one line per failed attempt: "<ms> <code> <detail>", last 10
//
// Decoding never trusts the entry (any client can write to Redis): a
// missing or malformed field is an error naming it, and the worker
// dead-letters the entry with that reason.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"
#include "queue/redis_reply.hpp"

namespace herald::queue {

struct queued_message {
    std::uint32_t shard = 0;
    channel ch = channel::email;
    std::string entry_id;
    message_id id;
    std::string tenant;
    message msg;
    millis created = 0;
    millis expires = 0;
    int attempt = 0;
    int units = 1;
    std::size_t payload_bytes = 0;  // what admission charged to the storage quota
};

// What can be read of an entry decode_entry refused: where it is, its
// message id (the entry's own when its `id` field is unreadable) and its
// tenant when the field is there, so its dead letter and log line name them.
queued_message unreadable_entry(std::uint32_t shard, channel ch, std::string entry_id,
                                const redis::reply& fields);

result<queued_message> decode_entry(std::uint32_t shard, channel ch, std::string entry_id,
                                    const redis::reply& fields, const message_limits& limits);

}  // namespace herald::queue
