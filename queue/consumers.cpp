#include "queue/consumers.hpp"

#include "core/log.hpp"
#include "queue/keys.hpp"

#include <functional>
#include <optional>

namespace herald::queue {
namespace {

struct consumer_info {
    std::string name;
    std::int64_t pending = 0;
    std::int64_t idle_ms = 0;
};

// One XINFO CONSUMERS entry, a flat list of field and value
// (name, pending, idle in 7.0; 7.2 adds inactive).
std::optional<consumer_info> parse_consumer(const redis::reply& r) {
    if (!r.is_array()) return std::nullopt;
    consumer_info c;
    bool named = false;
    for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
        const auto& key = r[i].str;
        if (key == "name") c.name = r[i + 1].str, named = true;
        if (key == "pending") c.pending = r[i + 1].as_int().value_or(-1);
        if (key == "idle") c.idle_ms = r[i + 1].as_int().value_or(0);
    }
    if (!named || c.pending < 0) return std::nullopt;
    return c;
}

using chooser = std::function<bool(const consumer_info&)>;

// Lists each stream's consumers, then removes the chosen ones: those the
// rule picks and that held no pending entries when listed.
boost::asio::awaitable<std::size_t> forget(redis::client& redis,
                                           const std::vector<std::string>& streams,
                                           const chooser& chosen) {
    std::vector<redis::command> list;
    for (const auto& s : streams)
        list.push_back(redis::cmd("XINFO", "CONSUMERS", s, group_name));
    auto listed = co_await redis.pipeline(std::move(list));
    if (!listed) {
        log::warn("consumers.list_failed", {{"error", listed.error().to_string()}});
        co_return 0;
    }
    std::vector<redis::command> removals;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        // A stream or group not created yet has no consumers to remove.
        if (!(*listed)[i].is_array()) continue;
        for (const auto& entry : (*listed)[i].elements) {
            auto c = parse_consumer(entry);
            if (!c || c->pending != 0 || !chosen(*c)) continue;
            removals.push_back(
                redis::cmd("XGROUP", "DELCONSUMER", streams[i], group_name, c->name));
            names.push_back(c->name);
        }
    }
    if (removals.empty()) co_return 0;
    auto removed = co_await redis.pipeline(removals);
    if (!removed) {
        log::warn("consumers.remove_failed", {{"error", removed.error().to_string()}});
        co_return 0;
    }
    std::size_t count = 0;
    for (std::size_t i = 0; i < removed->size(); ++i) {
        const auto& r = (*removed)[i];
        const auto& stream = removals[i][2];
        if (r.is_error()) {
            log::warn("consumers.remove_failed",
                      {{"stream", stream}, {"consumer", names[i]}, {"redis", r.str}});
            continue;
        }
        ++count;
        // The consumer took entries between the listing and the removal:
        // they are no longer pending anywhere (see the header).
        if (r.integer > 0)
            log::error("consumers.removed_with_pending",
                       {{"stream", stream}, {"consumer", names[i]}, {"pending", r.integer}});
    }
    co_return count;
}

}  // namespace

boost::asio::awaitable<std::size_t> forget_consumer(redis::client& redis,
                                                    const std::vector<std::string>& streams,
                                                    const std::string& consumer) {
    chooser mine = [&](const consumer_info& c) { return c.name == consumer; };
    auto n = co_await forget(redis, streams, mine);
    co_return n;
}

boost::asio::awaitable<std::size_t> forget_idle_consumers(redis::client& redis,
                                                          const std::vector<std::string>& streams,
                                                          const std::string& self,
                                                          std::chrono::milliseconds idle) {
    chooser gone = [&](const consumer_info& c) {
        return c.name != self && c.idle_ms >= idle.count();
    };
    auto n = co_await forget(redis, streams, gone);
    if (n > 0) log::info("consumers.removed_idle", {{"count", static_cast<std::int64_t>(n)}});
    co_return n;
}

}  // namespace herald::queue
