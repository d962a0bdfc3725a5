#include "ops/rates.hpp"

#include "queue/contract.hpp"
#include "queue/errors.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"
#include "queue/tenants.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace herald::ops {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 8> k_outcomes{
    "accepted", "duplicate", "refused", "delivered", "deferred", "bounced", "unknown", "dead"};
constexpr std::array<std::string_view, 2> k_channels{"email", "sms"};
// "rate" and "sent_rate" are over the last complete seconds herald_stats
// calls recent (ops/lua/stats.lua).
constexpr double k_recent_s = 10;
// Past this many registered tenants, only those with traffic in the
// window are listed: each listed tenant costs a few reads inside Redis.
constexpr std::size_t k_listed_max = 500;

double number(const json::value* v) {
    if (!v) return 0;
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    if (v->is_double()) return v->get_double();
    return 0;
}

// cjson answers an empty table as {}: an empty object or array is "none".
const json::object* object_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

json::value limit_or_null(double limit) {
    if (limit <= 0) return nullptr;
    return static_cast<std::int64_t>(limit);
}

// "<tenant>|<channel>|<rest>" or "<tenant>|<channel>".
struct field_name {
    std::string_view tenant, ch, rest;
};
std::optional<field_name> split_field(std::string_view f) {
    const auto a = f.find('|');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = f.find('|', a + 1);
    field_name n{f.substr(0, a), f.substr(a + 1, b == std::string_view::npos ? f.npos : b - a - 1),
                 b == std::string_view::npos ? std::string_view{} : f.substr(b + 1)};
    return n;
}

// The enqueue-to-delivered percentiles of latency bucket counts, each
// placed by linear interpolation inside its bucket.
json::object percentiles(const std::vector<double>& buckets) {
    double count = 0;
    for (double n : buckets)
        count += n;
    json::object out{{"count", static_cast<std::int64_t>(count)}};
    const auto& bounds = queue::contract::latency_bounds_ms;
    for (auto [name, q] : std::array<std::pair<const char*, double>, 3>{
             {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}}}) {
        if (count == 0) {
            out[name] = nullptr;
            continue;
        }
        const double rank = q * count;
        double seen = 0;
        double value = bounds.back();
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            if (seen + buckets[i] >= rank && buckets[i] > 0) {
                const double lo = i == 0 ? 0 : bounds[i - 1];
                const double hi = i < bounds.size() ? bounds[i] : bounds.back();
                value = lo + (hi - lo) * (rank - seen) / buckets[i];
                break;
            }
            seen += buckets[i];
        }
        out[name] = std::round(value);
    }
    return out;
}

// What collect_rates builds per tenant while it merges the shards.
struct tenant_view {
    json::object series;  // channel -> outcome -> counts per point
    std::map<std::string, double> totals;
    std::vector<double> latency =
        std::vector<double>(queue::contract::latency_bounds_ms.size() + 1);
    double offered = 0, sent = 0;  // over the recent seconds
    json::object state;            // herald_stats' tenants entry
};

json::array counts_to_rates(const json::array& counts, double step) {
    json::array out;
    out.reserve(counts.size());
    for (const auto& c : counts)
        out.push_back(number(&c) / step);
    return out;
}

// Calls fn(view, field name, value) for each field of herald_stats'
// map `name` whose tenant is asked for (registered, or the one named).
template <class Fn>
void each_field(const json::object& shard, std::string_view name,
                std::map<std::string, tenant_view>& views, Fn fn) {
    const auto* fields = object_at(shard, name);
    if (!fields) return;
    for (const auto& [key, value] : *fields) {
        auto f = split_field(key);
        if (!f) continue;
        if (auto it = views.find(std::string(f->tenant)); it != views.end())
            fn(it->second, *f, value);
    }
}

void merge_shard(const json::object& shard, double step, std::map<std::string, tenant_view>& views,
                 json::object& queue, json::object& pressure) {
    each_field(shard, "series", views,
               [&](tenant_view& v, const field_name& f, const json::value& counts) {
                   if (!counts.is_array()) return;
                   double sum = 0;
                   for (const auto& c : counts.get_array())
                       sum += number(&c);
                   v.totals[std::string(f.rest)] += sum;
                   auto& ch = v.series[f.ch];
                   if (!ch.is_object()) ch = json::object{};
                   ch.get_object()[f.rest] = counts_to_rates(counts.get_array(), step);
               });
    each_field(shard, "latency", views,
               [](tenant_view& v, const field_name&, const json::value& counts) {
                   if (!counts.is_array()) return;
                   const auto& a = counts.get_array();
                   for (std::size_t i = 0; i < a.size() && i < v.latency.size(); ++i)
                       v.latency[i] += number(&a[i]);
               });
    each_field(shard, "recent", views,
               [](tenant_view& v, const field_name& f, const json::value& n) {
                   if (f.rest == "accepted" || f.rest == "duplicate" || f.rest == "refused")
                       v.offered += number(&n);
                   else if (f.rest == "delivered")
                       v.sent += number(&n);
               });
    if (const auto* tenants = object_at(shard, "tenants"))
        for (const auto& [name, state] : *tenants)
            if (auto it = views.find(std::string(name)); it != views.end() && state.is_object())
                it->second.state = state.get_object();
    if (const auto* q = object_at(shard, "queue"))
        for (const char* k : {"ready", "in_flight", "deferred", "dead"})
            queue[k] = static_cast<std::int64_t>(number(&queue[k]) + number(q->if_contains(k)));
    if (const auto* p = object_at(shard, "pressure")) {
        const auto* on = p->if_contains("on");
        if (on && on->is_bool() && on->get_bool()) {
            pressure["on"] = true;
            if (const auto* why = p->if_contains("reason"); why && why->is_string())
                pressure["reason"] = why->get_string();
        }
    }
}

json::object tenant_answer(const std::string& name, tenant_view& v, std::size_t points) {
    const auto& s = v.state;
    json::object quota;
    if (const auto* q = object_at(s, "quota")) {
        for (auto ch : k_channels) {
            json::object periods;
            const auto* c = object_at(*q, ch);
            for (const char* period : {"day", "month"}) {
                const auto* p = c ? object_at(*c, period) : nullptr;
                periods[period] = json::object{
                    {"used", static_cast<std::int64_t>(p ? number(p->if_contains("used")) : 0)},
                    {"limit", p ? limit_or_null(number(p->if_contains("limit"))) : nullptr}};
            }
            quota[ch] = std::move(periods);
        }
    }
    json::array breakers;
    std::string worst = "closed";
    if (const auto* b = s.if_contains("breakers"); b && b->is_array()) {
        for (const auto& one : b->get_array()) {
            if (!one.is_object()) continue;
            const auto* state = one.get_object().if_contains("state");
            if (state && state->is_string()) {
                if (state->get_string() == "open") worst = "open";
                if (state->get_string() == "half_open" && worst == "closed") worst = "half_open";
            }
            breakers.push_back(one);
        }
    }
    json::object totals;
    for (auto o : k_outcomes)
        totals[o] = static_cast<std::int64_t>(v.totals[std::string(o)]);
    // A channel with traffic has a series for every outcome, zeros too.
    for (auto& [ch, per_outcome] : v.series)
        for (auto o : k_outcomes)
            if (!per_outcome.as_object().contains(o))
                per_outcome.as_object()[o] = json::array(points, 0.0);
    const auto* paused = s.if_contains("paused");
    return json::object{
        {"tenant", name},
        {"rate", v.offered / k_recent_s},
        {"sent_rate", v.sent / k_recent_s},
        {"series", std::move(v.series)},
        {"totals", std::move(totals)},
        {"latency_ms", percentiles(v.latency)},
        {"queue",
         json::object{{"queued", static_cast<std::int64_t>(number(s.if_contains("messages")))}}},
        {"quota", std::move(quota)},
        {"storage",
         json::object{{"bytes", static_cast<std::int64_t>(number(s.if_contains("bytes")))},
                      {"bytes_limit", limit_or_null(number(s.if_contains("bytes_limit")))},
                      {"messages", static_cast<std::int64_t>(number(s.if_contains("messages")))},
                      {"messages_limit", limit_or_null(number(s.if_contains("messages_limit")))}}},
        {"breaker", worst},
        {"breakers", std::move(breakers)},
        {"paused", paused && paused->is_bool() && paused->get_bool()}};
}

}  // namespace

namespace {

result<std::uint32_t> parse_span(std::string_view text, std::string_view field) {
    std::uint32_t unit = 1;
    std::string_view digits = text;
    if (!text.empty() && (text.back() == 's' || text.back() == 'm')) {
        unit = text.back() == 'm' ? 60 : 1;
        digits.remove_suffix(1);
    }
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || n > 86400)
        return at_field(make_error(errc::invalid_argument, "a span is seconds: 90, 90s or 15m"),
                        std::string(field));
    return n * unit;
}

}  // namespace

result<rates_query> make_query(std::string_view window, std::string_view step,
                               std::optional<std::string> tenant) {
    rates_query q;
    q.tenant = std::move(tenant);
    if (!window.empty()) {
        auto w = parse_span(window, "window");
        if (!w) return w.error();
        q.window_s = *w;
    }
    if (!step.empty()) {
        auto s = parse_span(step, "step");
        if (!s) return s.error();
        q.step_s = *s;
    }
    if (q.window_s < 60 || q.window_s > queue::contract::rates_window_max_s)
        return at_field(make_error(errc::invalid_argument, "window is 1 to 15 minutes"), "window");
    if (q.step_s < 1 || q.step_s > q.window_s)
        return at_field(make_error(errc::invalid_argument, "step is 1 second to the window"),
                        "step");
    if (q.window_s / q.step_s > 900)
        return at_field(make_error(errc::invalid_argument, "at most 900 points: a longer step"),
                        "step");
    return q;
}

asio::awaitable<result<json::object>> collect_rates(redis::client& redis, std::uint32_t shards,
                                                    rates_query q, std::uint64_t now_ms) {
    std::vector<std::string> tenants;
    if (q.tenant) {
        tenants.push_back(*q.tenant);
    } else {
        auto listed = co_await queue::list_tenants(redis);
        if (!listed) co_return listed.error();
        tenants = std::move(*listed);
    }
    // A registry too large to read each tenant's state every refresh:
    // the tenants with traffic in the window, found by Redis.
    const bool active_only = tenants.size() > k_listed_max;
    if (active_only) tenants.clear();
    std::map<std::string, tenant_view> views;
    std::vector<std::vector<std::string>> by_shard(shards);
    for (const auto& t : tenants) {
        views.emplace(t, tenant_view{});
        by_shard[queue::shard_of(t, shards)].push_back(t);
    }
    const std::uint32_t points = q.window_s / q.step_s;
    const double step = q.step_s;
    json::object queue{{"ready", 0}, {"in_flight", 0}, {"deferred", 0}, {"dead", 0}};
    json::object pressure{{"on", false}, {"reason", ""}};
    std::int64_t first_ms = 0;
    // Every shard for the queue and backpressure; a tenant's own shard
    // for its rates and state.
    for (std::uint32_t s = 0; s < shards; ++s) {
        if (q.tenant && by_shard[s].empty()) continue;
        redis::command cmd =
            redis::cmd("FCALL_RO", "herald_stats", "1", queue::shard_prefix(s),
                       std::to_string(now_ms), std::to_string(q.window_s), std::to_string(q.step_s),
                       active_only ? "active" : "listed");
        for (const auto& t : by_shard[s])
            cmd.push_back(t);
        auto r = co_await queue::call_function(redis, std::move(cmd));
        if (!r) co_return r.error();
        if (r->size() < 2 || !(*r)[1].is_string())
            co_return make_error(queue::queue_errc::protocol, "bad herald_stats answer");
        boost::system::error_code ec;
        auto parsed = json::parse((*r)[1].str, ec);
        if (ec || !parsed.is_object())
            co_return make_error(queue::queue_errc::protocol, "herald_stats answered no JSON");
        const auto& shard = parsed.get_object();
        if (const auto* found = object_at(shard, "tenants"); found && active_only)
            for (const auto& kv : *found)
                views.try_emplace(std::string(kv.key()));
        first_ms = static_cast<std::int64_t>(number(shard.if_contains("first_ms")));
        merge_shard(shard, step, views, queue, pressure);
    }
    json::array t;
    for (std::uint32_t i = 0; i < points; ++i)
        t.push_back(first_ms + static_cast<std::int64_t>(i) * q.step_s * 1000);
    std::vector<json::object> rows;
    for (auto& [name, v] : views)
        rows.push_back(tenant_answer(name, v, points));
    std::stable_sort(rows.begin(), rows.end(), [](const json::object& a, const json::object& b) {
        return a.at("rate").as_double() > b.at("rate").as_double();
    });
    json::array tenant_rows(rows.begin(), rows.end());
    json::array outcomes(k_outcomes.begin(), k_outcomes.end());
    co_return json::object{{"now_ms", static_cast<std::int64_t>(now_ms)},
                           {"window_s", q.window_s},
                           {"step_s", q.step_s},
                           {"t", std::move(t)},
                           {"outcomes", std::move(outcomes)},
                           {"tenants", std::move(tenant_rows)},
                           {"queue", std::move(queue)},
                           {"backpressure", std::move(pressure)}};
}

}  // namespace herald::ops
