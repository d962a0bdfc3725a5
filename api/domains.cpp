// The tenant's sender domains: /v1/domains (domains/service.hpp does the
// work; `herald domain` is the same from the command line).
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "domains/describe.hpp"

#include <boost/json.hpp>

namespace herald::api::handlers {

namespace json = boost::json;

namespace {

response domain_answer(http::status status, const result<domains::sender_domain>& d,
                       const config& cfg) {
    if (!d) return error_answer(d.error());
    auto shown = domains::describe(*d, cfg.domains, wall_clock{}.now_ms());
    if (!shown) return error_answer(shown.error());
    return json_answer(status, *shown);
}

}  // namespace

// {"domain", "ed25519"?}
awaitable<response> add_domain(request& r) {
    static constexpr std::array<std::string_view, 2> k_fields{"domain", "ed25519"};
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    auto name = string_member(*body, "domain", 253, "");
    if (!name) co_return error_answer(name.error());
    if (name->empty())
        co_return error_answer(
            at_field(make_error(errc::invalid_argument, "the domain to send from"), "domain"));
    const auto* ed = body->if_contains("ed25519");
    if (ed && !ed->is_bool())
        co_return error_answer(
            at_field(make_error(errc::invalid_argument, "must be true or false"), "ed25519"));
    auto d = co_await r.on.domains.add(r.who.tenant, *name, {.ed25519 = ed && ed->get_bool()},
                                       wall_clock{}.now_ms());
    if (!d) co_return error_answer(at_field(d.error(), "domain"));
    co_return domain_answer(http::status::created, d, r.on.cfg);
}

awaitable<response> list_domains(request& r) {
    auto all = co_await r.on.domains.list(r.who.tenant);
    if (!all) co_return error_answer(all.error());
    json::array out;
    for (const auto& [name, state] : *all)
        out.push_back({{"domain", name}, {"state", state}});
    co_return json_answer(http::status::ok, {{"domains", std::move(out)}});
}

awaitable<response> show_domain(request& r) {
    auto d = co_await r.on.domains.show(r.who.tenant, r.params[0]);
    co_return domain_answer(http::status::ok, d, r.on.cfg);
}

awaitable<response> verify_domain(request& r) {
    auto d = co_await r.on.domains.verify(r.who.tenant, r.params[0], wall_clock{}.now_ms());
    co_return domain_answer(http::status::ok, d, r.on.cfg);
}

awaitable<response> rotate_domain(request& r) {
    auto d = co_await r.on.domains.rotate(r.who.tenant, r.params[0], wall_clock{}.now_ms());
    co_return domain_answer(http::status::ok, d, r.on.cfg);
}

awaitable<response> remove_domain(request& r) {
    auto gone = co_await r.on.domains.remove(r.who.tenant, r.params[0]);
    if (!gone) co_return error_answer(gone.error());
    co_return response{http::status::no_content, 11};
}

}  // namespace herald::api::handlers
