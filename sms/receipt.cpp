#include "sms/receipt.hpp"

#include "core/message_id.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"
#include "sms/errors.hpp"

#include <boost/json.hpp>

#include <array>
#include <optional>
#include <utility>

namespace herald::sms {

std::string_view to_string(receipt_state s) noexcept {
    switch (s) {
        case receipt_state::sent:
            return "sent";
        case receipt_state::delivered:
            return "delivered";
        case receipt_state::undelivered:
            return "undelivered";
        case receipt_state::failed:
            return "failed";
    }
    return "sent";
}

bool is_final(receipt_state s) noexcept {
    return s != receipt_state::sent;
}

namespace {

using state_row = std::pair<std::string_view, receipt_state>;

// Twilio's MessageStatus values; "read" is WhatsApp's delivered and more.
constexpr std::array k_twilio{
    state_row{"accepted", receipt_state::sent},
    state_row{"scheduled", receipt_state::sent},
    state_row{"queued", receipt_state::sent},
    state_row{"sending", receipt_state::sent},
    state_row{"sent", receipt_state::sent},
    state_row{"delivered", receipt_state::delivered},
    state_row{"read", receipt_state::delivered},
    state_row{"undelivered", receipt_state::undelivered},
    state_row{"failed", receipt_state::failed},
    state_row{"canceled", receipt_state::failed},
};

// Vonage's DLR status values. "unknown" is no final word: the carrier did
// not report.
constexpr std::array k_vonage{
    state_row{"accepted", receipt_state::sent},
    state_row{"buffered", receipt_state::sent},
    state_row{"unknown", receipt_state::sent},
    state_row{"delivered", receipt_state::delivered},
    state_row{"expired", receipt_state::undelivered},
    state_row{"failed", receipt_state::failed},
    state_row{"rejected", receipt_state::failed},
};

// Kannel's DLR types (the dlr-url's %d).
constexpr std::array k_kannel{
    state_row{"1", receipt_state::delivered}, state_row{"2", receipt_state::undelivered},
    state_row{"4", receipt_state::sent},      state_row{"8", receipt_state::sent},
    state_row{"16", receipt_state::failed},
};

constexpr std::array k_herald{
    state_row{"sent", receipt_state::sent},
    state_row{"delivered", receipt_state::delivered},
    state_row{"undelivered", receipt_state::undelivered},
    state_row{"failed", receipt_state::failed},
};

template <std::size_t N>
std::optional<receipt_state> state_in(const std::array<state_row, N>& table, std::string_view v) {
    for (const auto& [name, st] : table)
        if (name == v) return st;
    return std::nullopt;
}

error malformed(std::string_view field, std::string_view why) {
    return at_field(
        make_error(sms_errc::malformed_callback, std::string(field) + ": " + std::string(why)),
        std::string(field));
}

// A field that must be there and not be empty, nor absurdly long.
result<std::string> required(const form_fields& f, std::string_view name) {
    const auto* v = field_of(f, name);
    if (!v || v->empty()) return malformed(name, "is required");
    if (v->size() > 200) return malformed(name, "is longer than 200 bytes");
    return *v;
}

std::string optional_field(const form_fields& f, std::string_view name) {
    const auto* v = field_of(f, name);
    return v ? v->substr(0, 200) : std::string();
}

template <std::size_t N>
result<receipt_state> state_of(const form_fields& f, std::string_view name,
                               const std::array<state_row, N>& table) {
    auto v = required(f, name);
    if (!v) return v.error();
    auto st = state_in(table, *v);
    if (!st) return malformed(name, "unknown status " + v->substr(0, 40));
    return *st;
}

result<receipt> twilio_receipt(const callback_request& req) {
    auto id = required(req.query, "id");
    if (!id) return id.error();
    // POST sends the fields as a form, GET (StatusCallbackMethod) in the query.
    const auto params = all_params(req);
    auto sid = required(params, "MessageSid");
    if (!sid) return sid.error();
    auto st = state_of(params, "MessageStatus", k_twilio);
    if (!st) return st.error();
    return receipt{*id, *sid, *st, optional_field(params, "ErrorCode")};
}

result<receipt> vonage_receipt(const callback_request& req) {
    // Only what Vonage signed: a query parameter added to a signed form must
    // not name another message.
    const auto params = vonage_params(req);
    auto id = required(params, "client-ref");
    if (!id) return id.error();
    auto mid = required(params, "messageId");
    if (!mid) return mid.error();
    auto st = state_of(params, "status", k_vonage);
    if (!st) return st.error();
    return receipt{*id, *mid, *st, optional_field(params, "err-code")};
}

result<receipt> kannel_receipt(const callback_request& req) {
    auto id = required(req.query, "id");
    if (!id) return id.error();
    auto st = state_of(req.query, "status", k_kannel);
    if (!st) return st.error();
    return receipt{*id, optional_field(req.query, "provider_id"), *st,
                   optional_field(req.query, "code")};
}

result<std::string> json_string(const boost::json::object& o, std::string_view name, bool need) {
    const auto* v = o.if_contains(name);
    if (!v || v->is_null()) {
        if (need) return malformed(name, "is required");
        return std::string();
    }
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (!v->is_string()) return malformed(name, "must be a string");
    if (v->get_string().size() > 200) return malformed(name, "is longer than 200 bytes");
    if (need && v->get_string().empty()) return malformed(name, "is required");
    return std::string(v->get_string());
}

result<receipt> http_receipt(const callback_request& req) {
    auto id = required(req.query, "id");
    if (!id) return id.error();
    boost::system::error_code ec;
    auto doc = boost::json::parse(req.json_body, ec);
    if (ec || !doc.is_object()) return malformed("body", "must be a JSON object");
    const auto& o = doc.get_object();
    auto body_id = json_string(o, "id", false);
    if (!body_id) return body_id.error();
    // The URL's id is the signed one; a body naming another message is not
    // what the signature vouches for.
    if (!body_id->empty() && *body_id != *id) return malformed("id", "is not the URL's id");
    auto pid = json_string(o, "provider_id", false);
    if (!pid) return pid.error();
    auto status = json_string(o, "status", true);
    if (!status) return status.error();
    auto st = state_in(k_herald, *status);
    if (!st) return malformed("status", "must be sent, delivered, undelivered or failed");
    auto code = json_string(o, "code", false);
    if (!code) return code.error();
    return receipt{*id, *pid, *st, *code};
}

}  // namespace

result<receipt> parse_receipt(const sms_provider_config& p, const callback_request& req) {
    if (p.kind == "twilio") return twilio_receipt(req);
    if (p.kind == "vonage") return vonage_receipt(req);
    if (p.kind == "kannel") return kannel_receipt(req);
    if (p.kind == "http") return http_receipt(req);
    return make_error(sms_errc::unknown_provider, "provider " + p.name + " is of no known kind");
}

boost::asio::awaitable<result<receipt_applied>> apply_receipt(redis::client& redis,
                                                              std::uint32_t shards,
                                                              std::string_view provider,
                                                              const receipt& r,
                                                              std::uint64_t ttl_s) {
    const auto id = message_id::parse(r.message_id);
    if (!id || id->ch != channel::sms || id->shard >= shards)
        co_return make_error(sms_errc::unknown_message, "no SMS " + r.message_id.substr(0, 60));
    const std::string entry = std::to_string(id->ms) + "-" + std::to_string(id->seq);
    auto a = co_await queue::call_function(
        redis, redis::cmd("FCALL", "herald_sms_receipt", "1", queue::shard_prefix(id->shard),
                          id->str(), entry, provider, r.provider_id, to_string(r.state), r.code,
                          std::to_string(ttl_s)));
    if (!a) co_return a.error();
    // {'ok', state, changed} or {'unknown', detail}
    if (a->size() >= 2 && (*a)[0].str == "unknown")
        co_return make_error(sms_errc::unknown_message, (*a)[1].str);
    if (a->size() < 3 || (*a)[0].str != "ok")
        co_return make_error(errc::internal, "unexpected herald_sms_receipt answer");
    auto st = state_in(k_herald, (*a)[1].str);
    if (!st) co_return make_error(errc::internal, "herald_sms_receipt answered " + (*a)[1].str);
    co_return receipt_applied{*st, queue::number_at(*a, 2) == 1};
}

}  // namespace herald::sms
