// The SMS providers' callbacks: delivery receipts (/v1/sms/status/{provider})
// and inbound messages (/v1/sms/inbound/{provider}), by POST, or by GET for
// the kinds that call that way (Kannel; Vonage may). No API key: the
// provider's signature is the authentication (sms/signature.hpp), checked
// before anything is read, so a refused callback changes nothing.
#include "api/handlers.hpp"
#include "api/lane.hpp"
#include "core/log.hpp"
#include "sms/errors.hpp"
#include "sms/inbound.hpp"
#include "sms/receipt.hpp"

#include <boost/json.hpp>

namespace herald::api::handlers {

namespace json = boost::json;

namespace {

const sms_provider_config* provider_named(const config& cfg, std::string_view name) {
    for (const auto& p : cfg.sms.providers)
        if (p.name == name) return &p;
    return nullptr;
}

bool has_media_type(const http_request& req, std::string_view type) {
    const auto ct = req[http::field::content_type];
    return ct.size() >= type.size() && boost::beast::iequals(ct.substr(0, type.size()), type);
}

// The callback as the provider sent it; its URL as the provider saw it
// (sms.status_url is herald's public base URL, behind any proxy).
result<sms::callback_request> callback_of(const request& r) {
    sms::callback_request c;
    c.method = std::string(r.http.method_string());
    std::string_view base = r.on.cfg.sms.status_url;
    while (base.ends_with('/'))
        base.remove_suffix(1);
    c.url = std::string(base) + std::string(r.http.target());
    for (auto p : r.query)
        c.query.emplace_back(p.key, p.value);
    if (has_media_type(r.http, "application/x-www-form-urlencoded")) {
        auto form = sms::parse_form(r.http.body());
        if (!form) return form.error();
        c.form = std::move(*form);
    } else {
        c.json_body = r.http.body();
    }
    c.twilio_signature = std::string(r.http["X-Twilio-Signature"]);
    return c;
}

// The provider and its verified callback, or the refusal to answer.
result<std::pair<const sms_provider_config*, sms::callback_request>> verified(
    const request& r, std::string_view signed_param) {
    const auto* p = provider_named(r.on.cfg, r.params[0]);
    if (!p)
        return sms::make_error(sms::sms_errc::unknown_provider,
                               "no [[sms.providers]] named " + r.params[0].substr(0, 40));
    auto c = callback_of(r);
    if (!c) return c.error();
    if (auto ok = sms::verify_callback(*p, *c, signed_param); !ok) {
        log::warn("sms.callback_refused", {{"provider", p->name}, {"why", "bad_signature"}});
        return ok.error();
    }
    return std::pair{p, std::move(*c)};
}

// Twilio reads the answer to an inbound message as TwiML: an empty
// <Response> sends no reply (its receipts ignore the body).
response twiml_answer() {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/xml");
    res.body() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
    res.prepare_payload();
    return res;
}

}  // namespace

awaitable<response> sms_status(request& r) {
    auto v = verified(r, "id");
    if (!v) co_return error_answer(v.error());
    const auto& [p, c] = *v;
    auto rc = sms::parse_receipt(*p, c);
    if (!rc) co_return error_answer(rc.error());
    auto applied = co_await sms::apply_receipt(r.on.redis, r.on.cfg.queue.shards, p->name, *rc,
                                               r.on.cfg.queue.delivered_ttl_s);
    if (!applied) co_return error_answer(applied.error());
    if (p->kind == "twilio") co_return twiml_answer();
    co_return json_answer(http::status::ok, {{"id", rc->message_id},
                                             {"state", sms::to_string(applied->state)},
                                             {"changed", applied->changed}});
}

awaitable<response> sms_inbound(request& r) {
    auto v = verified(r, "tenant");
    if (!v) co_return error_answer(v.error());
    const auto& [p, c] = *v;
    const auto* tenant = sms::field_of(c.query, "tenant");
    if (!tenant || tenant->empty())
        co_return error_answer(at_field(sms::make_error(sms::sms_errc::malformed_callback,
                                                        "tenant: the inbound URL names none"),
                                        "tenant"));
    auto m = sms::parse_inbound(*p, c);
    if (!m) co_return error_answer(m.error());
    auto done = co_await sms::apply_inbound(r.on.redis, r.on.cfg.queue.shards, *tenant, *m);
    if (!done) co_return error_answer(done.error());
    if (*done != sms::opt_keyword::none)
        log::info("sms.opt_out", {{"tenant", *tenant}, {"keyword", sms::to_string(*done)}});
    if (p->kind == "twilio") co_return twiml_answer();
    co_return json_answer(http::status::ok, {{"keyword", sms::to_string(*done)}});
}

}  // namespace herald::api::handlers
