#include "queue/events.hpp"

#include "core/clock.hpp"
#include "queue/keys.hpp"

namespace herald::queue {

redis::command event_command(std::uint32_t shard, std::string_view type, std::string_view tenant,
                             const event_fields& fields, std::string_view id) {
    redis::command c =
        redis::cmd("XADD", events_key(shard), "MAXLEN", "~", events_maxlen(), "*", "type", type);
    if (!tenant.empty()) {
        c.emplace_back("tenant");
        c.emplace_back(tenant);
    }
    if (!id.empty()) {
        c.emplace_back("id");
        c.emplace_back(id);
    }
    c.emplace_back("ts");
    c.emplace_back(std::to_string(wall_clock().now_ms()));
    for (const auto& [k, v] : fields) {
        c.push_back(k);
        c.push_back(v);
    }
    return c;
}

}  // namespace herald::queue
