#include "ops/webhook_view.hpp"

#include "core/clock.hpp"

#include <boost/json/array.hpp>

namespace herald::ops {

namespace json = boost::json;

namespace {

json::value time_or_null(std::int64_t ms) {
    return ms > 0 ? json::value(rfc3339(ms)) : json::value(nullptr);
}

}  // namespace

json::object endpoint_json(const webhook_endpoint& e, bool with_secret) {
    json::array events;
    for (const auto& p : e.filter.patterns())
        events.push_back(json::value(p));
    if (events.empty()) events.push_back("*");
    json::object o{{"id", e.id},
                   {"url", e.url},
                   {"events", std::move(events)},
                   {"created_at", time_or_null(e.created_ms)}};
    if (with_secret)
        o["secret"] = e.secret;
    else
        o["pending"] = e.pending;
    return o;
}

json::object dead_json(const dead_batches& d) {
    json::array items;
    for (const auto& b : d.items)
        items.push_back(json::object{{"id", b.id},
                                     {"endpoint", b.endpoint},
                                     {"reason", b.reason},
                                     {"detail", b.detail},
                                     {"attempts", b.attempts},
                                     {"events", b.events},
                                     {"first_try_at", time_or_null(b.first_ms)},
                                     {"died_at", time_or_null(b.died_ms)}});
    return {{"dead", std::move(items)},
            {"total", d.total},
            {"dropped", d.dropped},
            {"overflowed", d.overflowed}};
}

json::object replay_json(const replayed& r) {
    json::array gone;
    for (const auto& id : r.endpoint_gone)
        gone.push_back(json::value(id));
    return {{"replayed", r.count}, {"endpoint_gone", std::move(gone)}};
}

}  // namespace herald::ops
