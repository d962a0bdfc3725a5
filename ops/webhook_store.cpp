#include "ops/webhook_store.hpp"

#include "ops/webhook_errors.hpp"
#include "queue/keys.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace herald::ops {

namespace json = boost::json;

namespace {

std::uint32_t shard_of(std::uint32_t shards, const std::string& tenant) {
    return queue::shard_of(tenant, shards);
}

// A function's {'err', code, detail} answer as an error, else nothing.
std::optional<error> refusal(const redis::reply& r) {
    if (r.is_error()) return redis::error_from_reply(r);
    if (!r.is_array() || r.size() < 3 || r[0].str != "err") return std::nullopt;
    if (r[1].str == "webhook_limit") return make_error(webhook_errc::endpoint_limit, r[2].str);
    return error_from_name(r[1].str, r[2].str);
}

error bad_answer(std::string_view what) {
    return make_error(errc::internal, "unexpected answer from " + std::string(what));
}

std::int64_t int_of(const redis::reply& r) {
    return r.as_int().value_or(0);
}

std::int64_t json_int(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
    return 0;
}

std::string json_text(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::size_t events_in(std::string_view body) {
    boost::system::error_code ec;
    const auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return 0;
    const auto* events = v.get_object().if_contains("events");
    return events && events->is_array() ? events->get_array().size() : 0;
}

}  // namespace

std::string endpoint_record(const webhook_endpoint& e) {
    return json::serialize(json::object{{"url", e.url},
                                        {"events", e.filter.str()},
                                        {"secret", e.secret},
                                        {"created_ms", e.created_ms}});
}

std::optional<webhook_endpoint> endpoint_from_record(std::string id, std::string_view record) {
    boost::system::error_code ec;
    const auto v = json::parse(record, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.get_object();
    auto filter = webhook_filter::parse(json_text(o, "events"));
    if (!filter) return std::nullopt;
    webhook_endpoint e;
    e.id = std::move(id);
    e.url = json_text(o, "url");
    e.filter = std::move(*filter);
    e.secret = json_text(o, "secret");
    e.created_ms = json_int(o, "created_ms");
    if (e.url.empty() || e.secret.empty()) return std::nullopt;
    return e;
}

// ---- endpoints --------------------------------------------------------------------

task<void> add_endpoint(redis::client& redis, std::uint32_t shards, std::string tenant,
                        webhook_endpoint e, std::uint32_t max_endpoints) {
    const auto shard = shard_of(shards, tenant);
    auto r = co_await redis.exec(redis::cmd("FCALL", "herald_webhook_add", "1",
                                            queue::shard_prefix(shard), tenant, e.id,
                                            endpoint_record(e), std::to_string(max_endpoints)));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    co_return result<void>{};
}

task<std::vector<webhook_endpoint>> endpoints_of(redis::client& redis, std::uint32_t shard,
                                                 std::string tenant) {
    auto r = co_await redis.exec(redis::cmd("HGETALL", queue::webhooks_key(shard, tenant)));
    if (!r) co_return r.error();
    std::vector<webhook_endpoint> out;
    for (std::size_t i = 0; i + 1 < r->size(); i += 2) {
        if (auto e = endpoint_from_record((*r)[i].str, (*r)[i + 1].str)) out.push_back(*e);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
    });
    co_return out;
}

task<std::vector<webhook_endpoint>> list_endpoints(redis::client& redis, std::uint32_t shards,
                                                   std::string tenant) {
    const auto shard = shard_of(shards, tenant);
    auto all = co_await endpoints_of(redis, shard, tenant);
    if (!all || all->empty()) co_return all;
    std::vector<redis::command> counts;
    for (const auto& e : *all)
        counts.push_back(redis::cmd("ZCARD", queue::webhook_queue_key(shard, tenant, e.id)));
    auto r = co_await redis.pipeline(std::move(counts));
    if (!r) co_return r.error();
    for (std::size_t i = 0; i < all->size() && i < r->size(); ++i)
        (*all)[i].pending = int_of((*r)[i]);
    co_return all;
}

task<std::int64_t> remove_endpoint(redis::client& redis, std::uint32_t shards, std::string tenant,
                                   std::string id) {
    const auto shard = shard_of(shards, tenant);
    auto r = co_await redis.exec(
        redis::cmd("FCALL", "herald_webhook_remove", "1", queue::shard_prefix(shard), tenant, id));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    if (!r->is_array() || r->size() == 0) co_return bad_answer("herald_webhook_remove");
    if ((*r)[0].str == "none")
        co_return make_error(webhook_errc::endpoint_not_found,
                             "no webhook endpoint " + id + " of tenant " + tenant, "id");
    co_return r->size() > 1 ? int_of((*r)[1]) : 0;
}

// ---- dead letters -----------------------------------------------------------------

task<dead_batches> list_dead_batches(redis::client& redis, std::uint32_t shards, std::string tenant,
                                     std::size_t limit) {
    const auto shard = shard_of(shards, tenant);
    auto r = co_await redis.exec(redis::cmd("FCALL_RO", "herald_webhook_dead", "1",
                                            queue::shard_prefix(shard), tenant,
                                            std::to_string(std::max<std::size_t>(limit, 1))));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    if (!r->is_array() || r->size() < 3) co_return bad_answer("herald_webhook_dead");
    dead_batches out{int_of((*r)[0]), int_of((*r)[1]), int_of((*r)[2]), {}};
    for (std::size_t i = 3; i + 1 < r->size(); i += 2) {
        boost::system::error_code ec;
        const auto v = json::parse((*r)[i + 1].str, ec);
        if (ec || !v.is_object()) continue;
        const auto& o = v.get_object();
        dead_batch d{(*r)[i].str,
                     json_text(o, "endpoint"),
                     json_text(o, "reason"),
                     json_text(o, "detail"),
                     json_text(o, "body"),
                     json_int(o, "attempts"),
                     json_int(o, "first_ms"),
                     json_int(o, "died_ms"),
                     0};
        d.events = events_in(d.body);
        out.items.push_back(std::move(d));
    }
    co_return out;
}

task<replayed> replay_dead_batches(redis::client& redis, std::uint32_t shards, std::string tenant,
                                   std::string batch, std::int64_t now_ms,
                                   std::uint32_t max_pending, std::uint32_t dead_max) {
    const auto shard = shard_of(shards, tenant);
    auto r = co_await redis.exec(
        redis::cmd("FCALL", "herald_webhook_replay", "1", queue::shard_prefix(shard), tenant, batch,
                   std::to_string(now_ms), std::to_string(max_pending), std::to_string(dead_max)));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    if (!r->is_array() || r->size() == 0) co_return bad_answer("herald_webhook_replay");
    if ((*r)[0].str == "none")
        co_return make_error(webhook_errc::batch_not_found,
                             "no dead webhook batch " + batch + " of tenant " + tenant, "id");
    replayed out{int_of((*r)[0]), {}};
    for (std::size_t i = 1; i < r->size(); ++i)
        out.endpoint_gone.push_back((*r)[i].str);
    co_return out;
}

// ---- the dispatcher's side --------------------------------------------------------

task<store_answer> store_batches(redis::client& redis, std::uint32_t shard, std::int64_t now_ms,
                                 std::uint32_t max_pending, std::uint32_t dead_max,
                                 const std::vector<std::string>& ids,
                                 const std::vector<batch_to_store>& batches) {
    redis::command c = redis::cmd("FCALL", "herald_webhook_store", "1", queue::shard_prefix(shard),
                                  std::to_string(now_ms), std::to_string(max_pending),
                                  std::to_string(dead_max), std::to_string(ids.size()));
    c.insert(c.end(), ids.begin(), ids.end());
    for (const auto& b : batches) {
        c.push_back(b.tenant);
        c.push_back(b.endpoint);
        c.push_back(b.id);
        c.push_back(b.body);
    }
    auto r = co_await redis.exec(std::move(c));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    if (!r->is_array() || r->size() != 4 + batches.size())
        co_return bad_answer("herald_webhook_store");
    store_answer out{int_of((*r)[0]), int_of((*r)[1]), int_of((*r)[2]), int_of((*r)[3]), {}};
    for (std::size_t i = 4; i < r->size(); ++i)
        out.overflowed_by.push_back(int_of((*r)[i]));
    co_return out;
}

task<std::vector<claimed_batch>> claim_batches(redis::client& redis, std::uint32_t shard,
                                               std::int64_t now_ms, std::int64_t lease_ms,
                                               std::size_t limit, const std::string& holder) {
    auto r = co_await redis.exec(redis::cmd(
        "FCALL", "herald_webhook_claim", "1", queue::shard_prefix(shard), std::to_string(now_ms),
        std::to_string(lease_ms), std::to_string(limit), holder));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    std::vector<claimed_batch> out;
    for (std::size_t i = 0; i + 6 < r->size(); i += 7) {
        const auto& x = *r;
        auto e = endpoint_from_record(x[i + 1].str, x[i + 2].str);
        if (!e) continue;  // unreadable: its lease lapses, and nothing is sent
        out.push_back({shard, x[i].str, std::move(*e), x[i + 3].str, int_of(x[i + 4]),
                       int_of(x[i + 5]), x[i + 6].str});
    }
    co_return out;
}

task<bool> settle_batch(redis::client& redis, const claimed_batch& b, const std::string& holder,
                        std::int64_t now_ms, batch_fate fate, std::int64_t next_due_ms,
                        std::string_view detail, std::uint32_t dead_max) {
    const char* what = fate == batch_fate::delivered ? "delivered"
                       : fate == batch_fate::retry   ? "retry"
                                                     : "dead";
    auto r = co_await redis.exec(
        redis::cmd("FCALL", "herald_webhook_settle", "1", queue::shard_prefix(b.shard), b.tenant,
                   b.endpoint.id, b.id, holder, std::to_string(now_ms), what,
                   std::to_string(next_due_ms), detail.substr(0, 500), std::to_string(dead_max)));
    if (!r) co_return r.error();
    if (auto no = refusal(*r)) co_return *no;
    co_return r->is_array() && r->size() > 0 && (*r)[0].str == "ok";
}

}  // namespace herald::ops
