// What a webhook POST carries: events from a shard's events stream
// (hd:{sN}:events, written by queue/events.hpp and queue/lua/events.lua),
// as JSON, grouped into batches per endpoint.
//
//   {"id": "<batch id>", "tenant": "acme",
//    "events": [{"type": "message.delivered", "tenant": "acme", "id": "...",
//                "ts": 1764430000000, "attempt": "1", ...}, ...]}
//
// An event keeps the stream entry's fields in their order; `ts` (or the
// older `at`) becomes a number of milliseconds, every other value stays the
// string it was written as. A batch's id is its endpoint's id and its
// first event's stream id: the same events for the same endpoint always
// make the same id, which is the receiver's dedupe key.
#pragma once

#include "queue/redis_reply.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ops {

struct webhook_event {
    std::string stream_id;  // the entry's id in the events stream
    std::string type;
    std::string tenant;  // empty: a shard-wide event (pressure.on ...), for no tenant's webhooks
    boost::json::object json;
};

// One XRANGE/XREADGROUP entry's field list; nothing when it has no type.
std::optional<webhook_event> parse_event(std::string stream_id, const redis::reply& fields);

std::string batch_id(std::string_view endpoint, std::string_view first_stream_id);

std::string batch_body(std::string_view batch_id, std::string_view tenant,
                       const std::vector<const webhook_event*>& events);

}  // namespace herald::ops
