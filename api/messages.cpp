// POST /v1/messages, POST /v1/messages/batch, GET /v1/messages/{id}.
// A message passes the same checks as at every other door (core/message,
// mime::validate, an SMS's numbers normalised by sms::normalize), then the
// admission function's guards through the
// lane's admitter (one message) or the producer (a batch).
#include "api/errors.hpp"
#include "api/handlers.hpp"
#include "api/json_body.hpp"
#include "api/lane.hpp"
#include "dedupe/admission.hpp"
#include "mime/validate.hpp"
#include "queue/status.hpp"
#include "sms/validate.hpp"

#include <boost/json.hpp>

#include <array>

namespace herald::api::handlers {
namespace {

namespace json = boost::json;

// The top-level fields of each channel's message, plus the route's own.
constexpr std::array<std::string_view, 14> k_email_fields{
    "channel",  "idempotency_key", "from", "to",   "cc",          "bcc",
    "reply_to", "subject",         "text", "html", "attachments", "tags",
    "headers",  "metadata"};
constexpr std::array<std::string_view, 7> k_sms_fields{
    "channel", "idempotency_key", "from", "to", "body", "tags", "metadata"};

// One message of the request, parsed and checked but not yet admitted:
// an SMS's numbers still wait for the tenant's region.
struct parsed_item {
    message msg;
    json::object payload;
    std::string idempotency_key;
    std::string path;  // "" or "messages[3]"
};

error blamed(error e, const std::string& path) {
    if (!path.empty()) e.field = e.field.empty() ? path : path + "." + e.field;
    return e;
}

// `item` is the message's JSON object, `path` where it sits, and only a
// batch item may carry its own idempotency key.
result<parsed_item> parse_item(json::object& item, const std::string& path, bool batch_item,
                               std::string idempotency_key) {
    auto blame = [&](error e) { return blamed(std::move(e), path); };
    const auto* ch_value = item.if_contains("channel");
    if (!ch_value || !ch_value->is_string())
        return blame(
            at_field(make_error(errc::invalid_message, "must be \"email\" or \"sms\""), "channel"));
    const auto ch = parse_channel(ch_value->get_string());
    if (!ch)
        return blame(
            at_field(make_error(errc::invalid_message, "must be \"email\" or \"sms\""), "channel"));
    std::span<const std::string_view> known = k_email_fields;
    if (*ch == channel::sms) known = k_sms_fields;
    if (auto ok = only_known_fields(item, known); !ok) return blame(ok.error());
    if (const auto* key = item.if_contains("idempotency_key")) {
        if (!batch_item)
            return blame(
                at_field(make_error(api_errc::unknown_field, "use the Idempotency-Key header"),
                         "idempotency_key"));
        if (!key->is_string())
            return blame(
                at_field(make_error(errc::invalid_message, "must be a string"), "idempotency_key"));
        idempotency_key = key->get_string();
        item.erase("idempotency_key");
    }
    item.erase("channel");
    json::value payload(std::move(item));
    auto msg = parse_message(*ch, payload);
    if (!msg) return blame(msg.error());
    if (auto ok = mime::validate(*msg); !ok) return blame(ok.error());
    return parsed_item{std::move(*msg), std::move(payload.as_object()), std::move(idempotency_key),
                       path};
}

bool needs_region(const parsed_item& p) {
    const auto* s = std::get_if<sms_message>(&p.msg.content);
    return s && sms::needs_region(*s);
}

// An SMS's numbers normalised (in the payload too, so the dedupe hash,
// suppressions and rate limits see E.164), then the admission. The
// payload is the body as parsed: only known fields, checked above, and
// the worker parses it with the same parse_message.
result<queue::admission> admission_from(const std::string& tenant, parsed_item p,
                                        std::string_view region) {
    if (auto* s = std::get_if<sms_message>(&p.msg.content)) {
        if (auto ok = sms::normalize(*s, region); !ok) return blamed(ok.error(), p.path);
        p.payload["to"] = s->to;
        p.payload["from"] = s->from;
    }
    return dedupe::admission_of(tenant, p.msg, json::serialize(p.payload),
                                std::move(p.idempotency_key));
}

// The tenant's region for national numbers, asked of Redis only when one
// of `items` has such a number.
awaitable<result<std::string>> region_for(request& r, bool needed) {
    if (!needed) co_return std::string();
    auto region = co_await sms::default_region_of(r.on.redis, r.on.cfg, r.who.tenant);
    co_return region;
}

// 202 for a new message, 200 for a repeat inside the dedupe window.
http::status status_of(const queue::admitted& a) {
    return a.duplicate ? http::status::ok : http::status::accepted;
}

json::object answer_of(const queue::admitted& a) {
    json::object o{{"id", a.id.str()}};
    if (a.duplicate) o["duplicate_of"] = a.id.str();
    return o;
}

json::object error_of(const error& e) {
    json::object o{{"code", e.name()}, {"message", e.detail}};
    if (!e.field.empty()) o["field"] = e.field;
    return o;
}

std::optional<std::int64_t> when(std::int64_t ms) {
    return ms > 0 ? std::optional<std::int64_t>(ms) : std::nullopt;
}

}  // namespace

awaitable<response> post_message(request& r) {
    auto body = parse_json_object(r.http.body());
    if (!body) co_return error_answer(body.error());
    auto item = parse_item(*body, "", false, std::string(r.http["Idempotency-Key"]));
    if (!item) co_return error_answer(item.error());
    auto region = co_await region_for(r, needs_region(*item));
    if (!region) co_return error_answer(region.error());
    auto a = admission_from(r.who.tenant, std::move(*item), *region);
    if (!a) co_return error_answer(a.error());
    auto admitted = co_await r.on.admitter.admit(std::move(*a));
    if (!admitted) co_return error_answer(admitted.error());
    auto res = json_answer(status_of(*admitted), answer_of(*admitted));
    if (admitted->replay) res.set("Idempotent-Replayed", "true");
    co_return res;
}

awaitable<response> post_batch(request& r) {
    static constexpr std::array<std::string_view, 1> k_fields{"messages"};
    auto body = json_object_body(r, k_fields);
    if (!body) co_return error_answer(body.error());
    auto* list = body->if_contains("messages");
    if (!list || !list->is_array())
        co_return error_answer(at_field(
            make_error(errc::invalid_argument, "must be an array of messages"), "messages"));
    auto& items = list->get_array();
    const auto max = r.on.cfg.api.max_batch;
    if (items.empty() || items.size() > max)
        co_return error_answer(
            at_field(make_error(errc::invalid_argument, std::to_string(items.size()) +
                                                            " messages: a batch holds 1.." +
                                                            std::to_string(max)),
                     "messages"));
    // Bad items are answered where they stand; the good ones go to Redis
    // together, in order.
    std::vector<json::value> results(items.size());
    auto refuse = [&](std::size_t i, const error& e) {
        results[i] = json::object{{"status", e.http_status()}, {"error", error_of(e)}};
    };
    std::vector<result<parsed_item>> parsed;
    parsed.reserve(items.size());
    bool national = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto path = "messages[" + std::to_string(i) + "]";
        parsed.push_back(
            items[i].is_object()
                ? parse_item(items[i].get_object(), path, true, {})
                : result<parsed_item>(
                      at_field(make_error(errc::invalid_message, "must be a JSON object"), path)));
        national = national || (parsed.back() && needs_region(*parsed.back()));
    }
    // One look-up of the tenant's region for the whole batch.
    auto region = co_await region_for(r, national);
    if (!region) co_return error_answer(region.error());
    std::vector<queue::admission> batch;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!parsed[i]) {
            refuse(i, parsed[i].error());
            continue;
        }
        auto a = admission_from(r.who.tenant, std::move(*parsed[i]), *region);
        if (!a) {
            refuse(i, a.error());
            continue;
        }
        batch.push_back(std::move(*a));
        at.push_back(i);
    }
    auto answers = co_await r.on.producer.admit_batch(batch);
    for (std::size_t k = 0; k < answers.size(); ++k) {
        const auto& ans = answers[k];
        if (!ans) {
            json::object o{{"status", ans.error().http_status()}, {"error", error_of(ans.error())}};
            if (ans.error().retry_after_s > 0) o["retry_after_s"] = ans.error().retry_after_s;
            results[at[k]] = std::move(o);
            continue;
        }
        json::object o = answer_of(*ans);
        o["status"] = static_cast<int>(status_of(*ans));
        if (ans->replay) o["idempotent_replay"] = true;
        results[at[k]] = std::move(o);
    }
    co_return json_answer(http::status::ok,
                          {{"results", json::array(results.begin(), results.end())}});
}

awaitable<response> get_message(request& r) {
    const auto id = message_id::parse(r.params[0]);
    if (!id) co_return error_answer(make_error(api_errc::not_found, "no such message"));
    auto found = co_await queue::read_status(r.on.redis, r.on.cfg.queue.shards, r.who.tenant, *id);
    if (!found) co_return error_answer(found.error());
    if (!*found) co_return error_answer(make_error(api_errc::not_found, "no such message"));
    const auto& s = **found;
    json::object o{{"id", s.id.str()},
                   {"state", queue::to_string(s.state)},
                   {"channel", to_string(s.id.ch)},
                   {"attempts", s.attempts},
                   {"history", json::array(s.history.begin(), s.history.end())}};
    if (s.admitted_ms > 0) o["admitted_at"] = rfc3339(s.admitted_ms);
    if (auto t = when(s.next_attempt_ms)) o["next_attempt_at"] = rfc3339(*t);
    if (auto t = when(s.finished_ms)) o["finished_at"] = rfc3339(*t);
    if (!s.reply.empty()) o["reply"] = s.reply;
    if (!s.reason.empty()) o["reason"] = s.reason;
    if (!s.detail.empty()) o["detail"] = s.detail;
    if (!s.provider.empty()) o["provider"] = s.provider;
    if (!s.provider_id.empty()) o["provider_id"] = s.provider_id;
    if (!s.provider_code.empty()) o["provider_code"] = s.provider_code;
    co_return json_answer(http::status::ok, o);
}

}  // namespace herald::api::handlers
