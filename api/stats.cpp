// GET /v1/stats/rates: the live per-tenant rates of ops/rates.hpp. An
// admin key sees every tenant (or ?tenant=); a tenant key its own only.
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "core/clock.hpp"
#include "core/message.hpp"
#include "ops/rates.hpp"

namespace herald::api::handlers {

namespace {

std::optional<std::string_view> optional_param(const request& r, std::string_view name) {
    auto it = r.query.find(name);
    if (it == r.query.end()) return std::nullopt;
    return (*it).value;
}

}  // namespace

awaitable<response> stats_rates(request& r) {
    std::optional<std::string> tenant;
    const std::string asked = query_param(r, "tenant");
    if (!r.who.admin) {
        if (!asked.empty() && asked != r.who.tenant)
            co_return error_answer(
                at_field(make_error(api_errc::forbidden, "a tenant key sees its own tenant only"),
                         "tenant"));
        tenant = r.who.tenant;
    } else if (!asked.empty()) {
        if (auto ok = validate_tenant(asked); !ok)
            co_return error_answer(at_field(ok.error(), "tenant"));
        tenant = asked;
    }
    const std::string window(optional_param(r, "window").value_or(""));
    const std::string step(optional_param(r, "step").value_or(""));
    auto q = ops::make_query(
        window.empty() ? std::nullopt : std::optional<std::string_view>(window),
        step.empty() ? std::nullopt : std::optional<std::string_view>(step), std::move(tenant));
    if (!q) co_return error_answer(q.error());
    auto answer = co_await ops::collect_rates(r.on.redis, r.on.cfg.queue.shards, std::move(*q),
                                              wall_clock().now_ms());
    if (!answer) co_return error_answer(answer.error());
    co_return json_answer(http::status::ok, *answer);
}

}  // namespace herald::api::handlers
