// The admin routes: tenants, their settings, pause, breakers, API keys and
// dead letters. A {tenant} that was never created answers 404.
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/json_body.hpp"
#include "api/lane.hpp"
#include "api/tenant_admin.hpp"
#include "queue/dead_letters.hpp"
#include "queue/tenants.hpp"

#include <boost/json.hpp>

namespace herald::api::handlers {
namespace {

namespace json = boost::json;

std::uint32_t shards(const request& r) {
    return r.on.cfg.queue.shards;
}

// The route's tenant, when it exists.
awaitable<result<std::string>> known_tenant(request& r) {
    std::string tenant = r.params[0];
    auto exists = co_await queue::tenant_exists(r.on.redis, tenant);
    if (!exists) co_return exists.error();
    if (!*exists) co_return make_error(api_errc::not_found, "no tenant " + tenant);
    co_return tenant;
}

awaitable<response> show(request& r, const std::string& tenant) {
    auto o = co_await tenant_admin::show(r.on.redis, shards(r), tenant);
    if (!o) co_return error_answer(o.error());
    co_return json_answer(http::status::ok, *o);
}

awaitable<response> pause_or_resume(request& r, bool paused) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto ok = co_await queue::set_paused(r.on.redis, shards(r), *tenant, paused);
    if (!ok) co_return error_answer(ok.error());
    co_return json_answer(http::status::ok, {{"tenant", *tenant}, {"paused", paused}});
}

awaitable<response> breaker(request& r, const char* action) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    static constexpr std::array<std::string_view, 2> k_fields{"subject", "seconds"};
    auto body = json_object_body(r, k_fields, true);
    if (!body) co_return error_answer(body.error());
    auto subject = string_member(*body, "subject", 998);
    if (!subject) co_return error_answer(subject.error());
    auto seconds = int_member(*body, "seconds", 1, 86400, 3600);
    if (!seconds) co_return error_answer(seconds.error());
    auto changed =
        co_await tenant_admin::breaker(r.on.redis, shards(r), *tenant, action, r.params[1],
                                       *subject, static_cast<std::uint64_t>(*seconds));
    if (!changed) co_return error_answer(changed.error());
    co_return json_answer(http::status::ok,
                          {{"tenant", *tenant},
                           {"kind", r.params[1]},
                           {"state", std::string_view(action) == "open" ? "open" : "closed"},
                           {"changed", *changed}});
}

}  // namespace

awaitable<response> create_tenant(request& r) {
    static constexpr std::array<std::string_view, 1> k_fields{"id"};
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    const auto* id = body->if_contains("id");
    if (!id || !id->is_string())
        co_return error_answer(
            at_field(make_error(errc::invalid_argument, "the tenant id, a string"), "id"));
    const std::string tenant(id->get_string());
    if (auto ok = validate_tenant(tenant); !ok) co_return error_answer(at_field(ok.error(), "id"));
    auto made = co_await queue::create_tenant(r.on.redis, tenant);
    if (!made) co_return error_answer(made.error());
    if (!*made)
        co_return error_answer(make_error(api_errc::conflict, "tenant " + tenant + " exists"));
    co_return json_answer(http::status::created, {{"id", tenant}});
}

awaitable<response> list_tenants(request& r) {
    auto all = co_await queue::list_tenants(r.on.redis);
    if (!all) co_return error_answer(all.error());
    co_return json_answer(http::status::ok, {{"tenants", json::array(all->begin(), all->end())}});
}

awaitable<response> show_tenant(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto answer = co_await show(r, *tenant);
    co_return answer;
}

// {"settings": {"name": value | null}}: null goes back to the default.
// Every name and value is checked before the first is written.
awaitable<response> patch_tenant(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    static constexpr std::array<std::string_view, 1> k_fields{"settings"};
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    const auto* settings = body->if_contains("settings");
    if (!settings || !settings->is_object())
        co_return error_answer(
            at_field(make_error(api_errc::invalid_json, "must be an object"), "settings"));
    // Every name and value is checked before the first is written.
    std::vector<std::pair<std::string, std::optional<std::string>>> changes;
    for (const auto& [name, v] : settings->get_object()) {
        const auto field = "settings." + std::string(name);
        std::optional<std::string> value;
        if (v.is_string())
            value = std::string(v.get_string());
        else if (v.is_int64() && v.get_int64() >= 0)
            value = std::to_string(v.get_int64());
        else if (v.is_uint64())
            value = std::to_string(v.get_uint64());
        else if (!v.is_null())
            co_return error_answer(at_field(
                make_error(api_errc::invalid_json, "must be a string, a whole number or null"),
                field));
        if (auto ok = tenant_admin::check_setting(name, value); !ok) {
            auto e = ok.error();
            e.field = field;
            co_return error_answer(e);
        }
        changes.emplace_back(name, std::move(value));
    }
    for (auto& [name, value] : changes) {
        auto ok = co_await tenant_admin::change(r.on.redis, shards(r), *tenant, name, value);
        if (!ok) co_return error_answer(at_field(ok.error(), "settings." + name));
    }
    auto answer = co_await show(r, *tenant);
    co_return answer;
}

awaitable<response> pause_tenant(request& r) {
    auto answer = co_await pause_or_resume(r, true);
    co_return answer;
}

awaitable<response> resume_tenant(request& r) {
    auto answer = co_await pause_or_resume(r, false);
    co_return answer;
}

awaitable<response> reset_breaker(request& r) {
    auto answer = co_await breaker(r, "reset");
    co_return answer;
}

awaitable<response> open_breaker(request& r) {
    auto answer = co_await breaker(r, "open");
    co_return answer;
}

awaitable<response> create_key(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    static constexpr std::array<std::string_view, 1> k_fields{"name"};
    auto body = json_object_body(r, k_fields, true);
    if (!body) co_return error_answer(body.error());
    auto name = string_member(*body, "name", 128);
    if (!name) co_return error_answer(name.error());
    auto made = co_await keys::create(r.on.redis, shards(r), *tenant, *name);
    if (!made) co_return error_answer(made.error());
    co_return json_answer(http::status::created, {{"key", made->key}, {"id", made->id}});
}

awaitable<response> list_keys(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto all = co_await keys::list(r.on.redis, shards(r), *tenant);
    if (!all) co_return error_answer(all.error());
    json::array out;
    for (const auto& k : *all)
        out.push_back({{"id", k.id}, {"name", k.name}, {"created_at", rfc3339(k.created_ms)}});
    co_return json_answer(http::status::ok, {{"keys", std::move(out)}});
}

awaitable<response> revoke_key(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto gone = co_await keys::revoke(r.on.redis, shards(r), *tenant, r.params[1]);
    if (!gone) co_return error_answer(gone.error());
    if (!*gone) co_return error_answer(make_error(api_errc::not_found, "no such key"));
    co_return response{http::status::no_content, 11};
}

awaitable<response> list_dead(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto limit = limit_param(r, 100, 1000);
    if (!limit) co_return error_answer(limit.error());
    auto cursor = cursor_param(r);
    if (!cursor) co_return error_answer(cursor.error());
    auto page = co_await queue::list_dead(r.on.redis, shards(r), *tenant, *cursor, *limit);
    if (!page) co_return error_answer(page.error());
    json::array out;
    for (const auto& d : page->items)
        out.push_back({{"id", d.id.str()},
                       {"reason", d.reason},
                       {"detail", d.detail},
                       {"died_at", rfc3339(d.died_ms)},
                       {"attempts", d.attempts}});
    co_return json_answer(http::status::ok, {{"dead", std::move(out)},
                                             {"next_cursor", cursor_json(page->next_cursor)}});
}

awaitable<response> requeue_dead(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    const auto id = message_id::parse(r.params[1]);
    if (!id) co_return error_answer(make_error(api_errc::not_found, "no such dead letter"));
    auto done = co_await queue::requeue_dead(r.on.redis, shards(r), *tenant, *id);
    if (!done) co_return error_answer(done.error());
    if (!*done) co_return error_answer(make_error(api_errc::not_found, "no such dead letter"));
    co_return json_answer(http::status::accepted, {{"id", id->str()}});
}

awaitable<response> purge_dead(request& r) {
    auto tenant = co_await known_tenant(r);
    if (!tenant) co_return error_answer(tenant.error());
    auto n = co_await queue::purge_dead(r.on.redis, shards(r), *tenant);
    if (!n) co_return error_answer(n.error());
    co_return json_answer(http::status::ok, {{"purged", *n}});
}

}  // namespace herald::api::handlers
