#include "ops/metrics_gauges.hpp"

#include "core/log.hpp"
#include "ops/rates.hpp"
#include "queue/keys.hpp"

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <string>

namespace herald::ops {
namespace {

namespace json = boost::json;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily gauge(std::string name, std::string help) {
    return MetricFamily{std::move(name), std::move(help), MetricType::Gauge, {}};
}

void sample(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    f.metric.push_back(std::move(m));
}

// A JSON number of any kind; null, absent or another type: nothing.
std::optional<double> number(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    if (v->is_double()) return v->get_double();
    if (v->is_bool()) return v->get_bool() ? 1.0 : 0.0;
    return std::nullopt;
}

const json::object* object(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<double> breaker_level(const json::object& tenant) {
    const auto* v = tenant.if_contains("breaker");
    if (!v || !v->is_string()) return std::nullopt;
    const auto& s = v->get_string();
    if (s == "closed") return 0.0;
    if (s == "half_open") return 1.0;
    if (s == "open") return 2.0;
    return std::nullopt;
}

// The families of gauges_from_rates, in the order they are written.
struct rate_gauges {
    MetricFamily queue = gauge("herald_queue_messages",
                               "Messages in Redis by state (ready, in_flight, deferred, dead), "
                               "all shards and channels");
    MetricFamily tenant_queued =
        gauge("herald_tenant_queued_messages",
              "A tenant's messages in Redis now (ready, in flight or deferred)");
    MetricFamily quota_used =
        gauge("herald_quota_used", "Messages counted against a tenant's volume quota this period");
    MetricFamily quota_limit = gauge("herald_quota_limit", "A tenant's volume quota (when set)");
    MetricFamily storage_bytes =
        gauge("herald_storage_bytes", "Bytes of a tenant's messages queued in Redis");
    MetricFamily storage_bytes_limit =
        gauge("herald_storage_bytes_limit", "A tenant's storage quota in bytes (when set)");
    MetricFamily storage_messages =
        gauge("herald_storage_messages", "A tenant's messages counted against its storage quota");
    MetricFamily storage_messages_limit =
        gauge("herald_storage_messages_limit", "A tenant's storage quota in messages (when set)");
    MetricFamily breaker = gauge("herald_breaker_state",
                                 "The worst of a tenant's loop breakers: 0 closed, 1 half-open, "
                                 "2 open");
    MetricFamily paused = gauge("herald_tenant_paused", "1 while a tenant is paused");
    MetricFamily backpressure =
        gauge("herald_backpressure", "1 while admission refuses new work (a watermark is crossed)");

    void add_quota(const std::string& tenant, const json::object& quota) {
        for (const auto& [ch, periods] : quota) {
            if (!periods.is_object()) continue;
            for (const auto& [period, use] : periods.get_object()) {
                if (!use.is_object()) continue;
                const std::vector<ClientMetric::Label> labels{{"channel", std::string(ch)},
                                                              {"period", std::string(period)},
                                                              {"tenant", tenant}};
                if (auto used = number(use.get_object(), "used")) sample(quota_used, labels, *used);
                if (auto limit = number(use.get_object(), "limit"))
                    sample(quota_limit, labels, *limit);
            }
        }
    }

    void add_storage(const std::string& tenant, const json::object& s) {
        const std::vector<ClientMetric::Label> labels{{"tenant", tenant}};
        if (auto v = number(s, "bytes")) sample(storage_bytes, labels, *v);
        if (auto v = number(s, "bytes_limit")) sample(storage_bytes_limit, labels, *v);
        if (auto v = number(s, "messages")) sample(storage_messages, labels, *v);
        if (auto v = number(s, "messages_limit")) sample(storage_messages_limit, labels, *v);
    }

    void add_tenant(const json::object& t) {
        const auto* name = t.if_contains("tenant");
        if (!name || !name->is_string()) return;
        const std::string tenant(name->get_string());
        const std::vector<ClientMetric::Label> labels{{"tenant", tenant}};
        if (const auto* q = object(t, "queue"))
            if (auto v = number(*q, "queued")) sample(tenant_queued, labels, *v);
        if (const auto* q = object(t, "quota")) add_quota(tenant, *q);
        if (const auto* s = object(t, "storage")) add_storage(tenant, *s);
        if (auto level = breaker_level(t)) sample(breaker, labels, *level);
        if (auto p = number(t, "paused")) sample(paused, labels, *p);
    }

    std::vector<MetricFamily> take() {
        return {std::move(queue),
                std::move(tenant_queued),
                std::move(quota_used),
                std::move(quota_limit),
                std::move(storage_bytes),
                std::move(storage_bytes_limit),
                std::move(storage_messages),
                std::move(storage_messages_limit),
                std::move(breaker),
                std::move(paused),
                std::move(backpressure)};
    }
};

}  // namespace

std::vector<MetricFamily> gauges_from_rates(const json::object& rates) {
    rate_gauges g;
    if (const auto* q = object(rates, "queue"))
        for (std::string_view state : {"ready", "in_flight", "deferred", "dead"})
            if (auto v = number(*q, state)) sample(g.queue, {{"state", std::string(state)}}, *v);
    if (const auto* tenants = rates.if_contains("tenants"); tenants && tenants->is_array())
        for (const auto& t : tenants->get_array())
            if (t.is_object()) g.add_tenant(t.get_object());
    if (const auto* b = object(rates, "backpressure"))
        if (auto on = number(*b, "on")) sample(g.backpressure, {}, *on);
    return g.take();
}

namespace {

// Consumers given entries within `recent`, from one XINFO CONSUMERS answer.
void recent_consumers(const redis::reply& a, std::chrono::milliseconds recent,
                      std::set<std::string>& seen) {
    // "no such key" or "NOGROUP": nobody has read this stream yet.
    if (a.is_error() || !a.is_array()) return;
    for (const auto& consumer : a.elements) {
        std::string name;
        std::optional<std::int64_t> idle;
        for (std::size_t i = 0; i + 1 < consumer.size(); i += 2) {
            if (consumer[i].str == "name") name = consumer[i + 1].str;
            if (consumer[i].str == "idle") idle = consumer[i + 1].as_int();
        }
        if (!name.empty() && idle && *idle < recent.count()) seen.insert(std::move(name));
    }
}

// Workers' connections whose last command, within `recent`, was
// XREADGROUP, from CLIENT LIST's lines of "key=value" fields.
void reading_clients(const redis::reply& a, std::chrono::milliseconds recent,
                     std::set<std::string>& seen) {
    if (!a.is_string()) return;  // an ACL may refuse CLIENT LIST
    std::string_view text = a.str;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        std::string_view name, cmd;
        std::optional<std::int64_t> idle_s;
        while (!line.empty()) {
            const auto space = line.find(' ');
            const auto field = line.substr(0, space);
            line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
            const auto eq = field.find('=');
            if (eq == std::string_view::npos) continue;
            const auto key = field.substr(0, eq), value = field.substr(eq + 1);
            if (key == "name") name = value;
            if (key == "cmd") cmd = value;
            if (key == "idle") {
                std::int64_t v = 0;
                auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                if (ec == std::errc{}) idle_s = v;
            }
        }
        if (name.starts_with(worker_client_prefix) && cmd == "xreadgroup" && idle_s &&
            *idle_s * 1000 < recent.count())
            seen.insert(std::string(name.substr(worker_client_prefix.size())));
    }
}

}  // namespace

boost::asio::awaitable<result<std::size_t>> workers_seen(redis::client& redis, std::uint32_t shards,
                                                         std::chrono::milliseconds recent) {
    std::vector<redis::command> cmds;
    cmds.reserve(shards * 2 + 1);
    cmds.push_back(redis::cmd("CLIENT", "LIST", "TYPE", "normal"));
    for (std::uint32_t s = 0; s < shards; ++s)
        for (auto ch : {channel::email, channel::sms})
            cmds.push_back(
                redis::cmd("XINFO", "CONSUMERS", queue::ingress_key(s, ch), queue::group_name));
    auto answers = co_await redis.pipeline(std::move(cmds));
    if (!answers) co_return answers.error();
    std::set<std::string> seen;
    reading_clients(answers->front(), recent, seen);
    for (std::size_t i = 1; i < answers->size(); ++i)
        recent_consumers((*answers)[i], recent, seen);
    co_return seen.size();
}

boost::asio::awaitable<std::vector<MetricFamily>> read_gauges(redis::client& redis,
                                                              std::uint32_t shards,
                                                              std::uint64_t now_ms) {
    bool up = true;
    rates_query q;
    q.window_s = 60;
    q.step_s = 10;
    auto rates = co_await collect_rates(redis, shards, q, now_ms);
    std::vector<MetricFamily> out;
    if (rates) {
        out = gauges_from_rates(*rates);
    } else {
        up = false;
        log::warn("metrics.rates_failed", {{"error", rates.error().to_string()}});
        out = gauges_from_rates(json::object{});
    }
    auto workers = co_await workers_seen(redis, shards, std::chrono::seconds(60));
    auto seen = gauge("herald_workers_seen", "herald workers that read the queue in the last 60 s");
    if (workers)
        sample(seen, {}, static_cast<double>(*workers));
    else
        up = false;
    out.push_back(std::move(seen));
    auto ok = gauge("herald_gauges_up", "1 when the gauges' last reading of Redis succeeded");
    sample(ok, {}, up ? 1.0 : 0.0);
    out.push_back(std::move(ok));
    co_return out;
}

}  // namespace herald::ops
