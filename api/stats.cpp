// GET /v1/stats/rates: the live per-tenant rates of ops/rates.hpp. An
// admin key sees every tenant (or ?tenant=); a tenant key its own only.
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "core/clock.hpp"
#include "core/message.hpp"
#include "ops/rates.hpp"

namespace herald::api::handlers {

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
    auto q = ops::make_query(query_param(r, "window"), query_param(r, "step"), std::move(tenant));
    if (!q) co_return error_answer(q.error());
    auto answer = co_await ops::collect_rates(r.on.redis, r.on.cfg.queue.shards, std::move(*q),
                                              wall_clock().now_ms());
    if (!answer) co_return error_answer(answer.error());
    co_return json_answer(http::status::ok, *answer);
}

}  // namespace herald::api::handlers
