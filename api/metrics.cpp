// GET /metrics: the process's Prometheus exposition (ops/metrics.hpp), on
// the API's port for `herald serve` and `herald up`; no key, like /healthz.
// A process that installed no registry (a test's bare server) answers 404.
#include "ops/metrics.hpp"
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"

namespace herald::api::handlers {

awaitable<response> metrics(request& r) {
    auto* registry = ops::installed_registry();
    if (!registry)
        co_return error_answer(make_error(api_errc::not_found, "this process keeps no metrics"));
    auto text = co_await registry->scrape(r.on.redis);
    response res{http::status::ok, 11};
    res.set(http::field::content_type, ops::metrics_content_type);
    res.body() = std::move(text);
    res.prepare_payload();
    co_return res;
}

}  // namespace herald::api::handlers
