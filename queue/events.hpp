// The one way C++ writes an event to a shard's bounded events stream
// (hd:{sN}:events, XADD ... MAXLEN ~ contract::events_max), in the schema
// of queue/lua/events.lua's emit (README "Events"): type, tenant (left out
// when empty: a shard-wide event), id (the message's, when given), ts
// (wall-clock ms), then the event's own fields.
#pragma once

#include "queue/redis_reply.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::queue {

using event_fields = std::vector<std::pair<std::string, std::string>>;

redis::command event_command(std::uint32_t shard, std::string_view type, std::string_view tenant,
                             const event_fields& fields, std::string_view id = {});

}  // namespace herald::queue
