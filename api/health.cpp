// GET /healthz (the process answers), GET /readyz (it can do its work:
// Redis answers, herald's library is loaded, no watermark refuses), and
// the OpenAPI document.
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "core/clock.hpp"
#include "queue/keys.hpp"

#include <boost/json.hpp>

namespace herald::embedded {
extern const std::string_view openapi_yaml;
}

namespace herald::api::handlers {

awaitable<response> healthz(request&) {
    co_return json_answer(http::status::ok, {{"status", "ok"}});
}

awaitable<response> readyz(request& r) {
    // The watermark watcher flags every shard alike; admission reads the
    // flag before anything else.
    std::vector<redis::command> cmds{
        redis::cmd("FUNCTION", "LIST", "LIBRARYNAME", "herald"),
        redis::cmd("HMGET", queue::meta_key(0), "pressure_until", "pressure_reason")};
    auto answers = co_await r.on.redis.pipeline(std::move(cmds));
    if (!answers) co_return error_answer(answers.error());
    if ((*answers)[0].is_error()) co_return error_answer(redis::error_from_reply((*answers)[0]));
    if ((*answers)[0].size() == 0)
        co_return error_answer(
            make_error(errc::not_initialized, "herald's Redis library is not loaded"));
    const auto& pressure = (*answers)[1];
    if (pressure.size() == 2 && pressure[0].as_int().value_or(0) > wall_clock().now_ms())
        co_return error_answer(
            make_error(errc::backpressure, "refusing new work: " + pressure[1].str));
    co_return json_answer(http::status::ok, {{"status", "ready"}});
}

awaitable<response> openapi(request&) {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/yaml");
    res.body() = std::string(embedded::openapi_yaml);
    res.prepare_payload();
    co_return res;
}

}  // namespace herald::api::handlers
