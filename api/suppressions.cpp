// The tenant's own suppression list: GET, POST and DELETE /v1/suppressions.
#include "queue/suppressions.hpp"
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/json_body.hpp"
#include "api/lane.hpp"

#include <boost/json.hpp>

namespace herald::api::handlers {

namespace json = boost::json;

awaitable<response> list_suppressions(request& r) {
    auto limit = limit_param(r, 100, 1000);
    if (!limit) co_return error_answer(limit.error());
    auto cursor = cursor_param(r);
    if (!cursor) co_return error_answer(cursor.error());
    auto page = co_await queue::list_suppressions(r.on.redis, r.on.cfg.queue.shards, r.who.tenant,
                                                  *cursor, *limit);
    if (!page) co_return error_answer(page.error());
    json::array out;
    for (const auto& s : page->items) {
        json::object o{{"recipient", s.recipient}, {"reason", s.reason}};
        o["created_at"] =
            s.created_ms > 0 ? json::value(rfc3339(s.created_ms)) : json::value(nullptr);
        o["expires_at"] =
            s.expires_ms > 0 ? json::value(rfc3339(s.expires_ms)) : json::value(nullptr);
        out.push_back(std::move(o));
    }
    co_return json_answer(http::status::ok, {{"suppressions", std::move(out)},
                                             {"next_cursor", cursor_json(page->next_cursor)}});
}

// {"recipient", "reason"?, "ttl_s"?}: by default 180 days.
awaitable<response> add_suppression(request& r) {
    static constexpr std::array<std::string_view, 3> k_fields{"recipient", "reason", "ttl_s"};
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    const auto* rcpt = body->if_contains("recipient");
    if (!rcpt || !rcpt->is_string() || rcpt->get_string().empty() ||
        rcpt->get_string().size() > 320)
        co_return error_answer(at_field(
            make_error(errc::invalid_argument, "an address or number of at most 320 bytes"),
            "recipient"));
    auto reason = string_member(*body, "reason", 200, "manual");
    if (!reason) co_return error_answer(reason.error());
    auto ttl_s = int_member(*body, "ttl_s", 1, 10ll * 365 * 86400, 180ll * 86400);
    if (!ttl_s) co_return error_answer(ttl_s.error());
    const std::string recipient(rcpt->get_string());
    auto ok =
        co_await queue::add_suppression(r.on.redis, r.on.cfg.queue.shards, r.who.tenant, recipient,
                                        *reason, static_cast<std::uint64_t>(*ttl_s));
    if (!ok) co_return error_answer(at_field(ok.error(), "recipient"));
    co_return json_answer(http::status::created, {{"recipient", recipient}});
}

awaitable<response> remove_suppression(request& r) {
    auto gone = co_await queue::remove_suppression(r.on.redis, r.on.cfg.queue.shards, r.who.tenant,
                                                   r.params[0]);
    if (!gone) co_return error_answer(gone.error());
    if (!*gone) co_return error_answer(make_error(api_errc::not_found, "no such suppression"));
    co_return response{http::status::no_content, 11};
}

}  // namespace herald::api::handlers
