// A tenant's signed webhooks (ops/webhook_*): POST, GET /v1/webhooks,
// DELETE /v1/webhooks/{id}, and the dead letters: GET /v1/webhooks/dead,
// POST /v1/webhooks/dead/{id}/replay and /v1/webhooks/dead/replay (all).
// A tenant key acts on its own tenant; an admin key names one with
// ?tenant=.
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "core/message.hpp"
#include "core/metrics.hpp"
#include "ops/webhook_errors.hpp"
#include "ops/webhook_registry.hpp"
#include "ops/webhook_view.hpp"

#include <boost/json.hpp>

namespace herald::api::handlers {

namespace json = boost::json;

namespace {

// Whose webhooks: the key's tenant, or the admin's ?tenant=.
result<std::string> acting_tenant(const request& r) {
    const auto named = query_param(r, "tenant");
    if (!r.who.admin) {
        if (!named.empty() && named != r.who.tenant)
            return make_error(api_errc::forbidden, "a tenant key acts on its own tenant only");
        return r.who.tenant;
    }
    if (named.empty())
        return at_field(make_error(errc::invalid_argument, "an admin key names the tenant"),
                        "tenant");
    if (auto ok = validate_tenant(named); !ok) return at_field(ok.error(), "tenant");
    return named;
}

// "events": a list of patterns, or one comma-separated string; absent: all.
result<ops::webhook_filter> events_member(const json::object& body) {
    const auto* v = body.if_contains("events");
    if (!v || v->is_null()) return ops::webhook_filter{};
    if (v->is_string()) return ops::webhook_filter::parse(std::string_view(v->get_string()));
    if (!v->is_array() || v->get_array().size() > 32)
        return ops::make_error(ops::webhook_errc::invalid_events,
                               "a list of at most 32 event patterns", "events");
    std::vector<std::string> patterns;
    for (const auto& p : v->get_array()) {
        if (!p.is_string())
            return ops::make_error(ops::webhook_errc::invalid_events, "patterns are strings",
                                   "events");
        patterns.emplace_back(p.get_string());
    }
    return ops::webhook_filter::parse(patterns);
}

}  // namespace

// {"url", "events"?}: 201 with the endpoint and its secret, shown this once.
awaitable<response> create_webhook(request& r) {
    static constexpr std::array<std::string_view, 2> k_fields{"url", "events"};
    auto tenant = acting_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    const auto* url = body->if_contains("url");
    if (!url || !url->is_string())
        co_return error_answer(
            ops::make_error(ops::webhook_errc::invalid_url, "the endpoint's URL, a string", "url"));
    auto filter = events_member(*body);
    if (!filter) co_return error_answer(filter.error());
    const auto opts = ops::webhook_resolver_options(r.on.cfg);
    if (auto ok = opts.validate(); !ok) co_return error_answer(ok.error());
    dns::resolver resolver(r.on.ioc.get_executor(), opts);
    auto made = co_await ops::create_webhook(r.on.redis, resolver, r.on.cfg, *tenant,
                                             std::string(url->get_string()), std::move(*filter),
                                             wall_clock{}.now_ms());
    resolver.stop();
    if (!made) co_return error_answer(made.error());
    co_return json_answer(http::status::created, ops::endpoint_json(*made, true));
}

awaitable<response> list_webhooks(request& r) {
    auto tenant = acting_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto all = co_await ops::list_endpoints(r.on.redis, r.on.cfg.queue.shards, *tenant);
    if (!all) co_return error_answer(all.error());
    json::array list;
    for (const auto& e : *all)
        list.push_back(ops::endpoint_json(e, false));
    co_return json_answer(http::status::ok, {{"webhooks", std::move(list)}});
}

awaitable<response> remove_webhook(request& r) {
    auto tenant = acting_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto gone =
        co_await ops::remove_endpoint(r.on.redis, r.on.cfg.queue.shards, *tenant, r.params[0]);
    if (!gone) co_return error_answer(gone.error());
    co_return response{http::status::no_content, 11};
}

awaitable<response> list_webhook_dead(request& r) {
    auto tenant = acting_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto limit = limit_param(r, 100, 1000);
    if (!limit) co_return error_answer(limit.error());
    auto dead = co_await ops::list_dead_batches(r.on.redis, r.on.cfg.queue.shards, *tenant, *limit);
    if (!dead) co_return error_answer(dead.error());
    co_return json_answer(http::status::ok, ops::dead_json(*dead));
}

namespace {

awaitable<response> replay(request& r, std::string batch) {
    auto tenant = acting_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    const auto& h = r.on.cfg.webhooks;
    auto done = co_await ops::replay_dead_batches(r.on.redis, r.on.cfg.queue.shards, *tenant,
                                                  std::move(batch), wall_clock{}.now_ms(),
                                                  h.max_pending, h.dead_max);
    if (!done) co_return error_answer(done.error());
    if (done->count > 0)
        metrics::webhook(*tenant, "replayed", static_cast<std::uint64_t>(done->count));
    co_return json_answer(http::status::ok, ops::replay_json(*done));
}

}  // namespace

awaitable<response> replay_webhook_dead(request& r) {
    auto answer = co_await replay(r, r.params[0]);
    co_return answer;
}

awaitable<response> replay_webhook_dead_all(request& r) {
    auto answer = co_await replay(r, "");
    co_return answer;
}

}  // namespace herald::api::handlers
