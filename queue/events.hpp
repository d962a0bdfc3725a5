// The one way to write an event to a shard's bounded events stream
// (hd:{sN}:events, XADD ... MAXLEN ~ contract::events_max): a type, the
// tenant (left out when empty: a shard-wide event), then the event's own
// fields. Guards in Lua write theirs with
// queue/lua/events.lua; these are the events C++ writes.
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
                             const event_fields& fields);

}  // namespace herald::queue
