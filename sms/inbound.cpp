#include "sms/inbound.hpp"

#include "queue/suppressions.hpp"
#include "sms/errors.hpp"
#include "sms/phone_number.hpp"

#include <boost/json.hpp>

#include <array>
#include <cctype>

namespace herald::sms {
namespace {

constexpr std::size_t k_max_text = 1600;  // ten concatenated parts and then some

error malformed(std::string_view field, std::string_view why) {
    return at_field(
        make_error(sms_errc::malformed_callback, std::string(field) + ": " + std::string(why)),
        std::string(field));
}

result<std::string> required(const form_fields& f, std::string_view name, std::size_t max) {
    const auto* v = field_of(f, name);
    if (!v || v->empty()) return malformed(name, "is required");
    if (v->size() > max) return malformed(name, "is longer than " + std::to_string(max) + " bytes");
    return *v;
}

// The text may be empty (an MMS without text), but must be there.
result<std::string> text_of(const form_fields& f, std::string_view name) {
    const auto* v = field_of(f, name);
    if (!v) return malformed(name, "is required");
    if (v->size() > k_max_text) return malformed(name, "is longer than 1600 bytes");
    return *v;
}

result<inbound_message> from_fields(const form_fields& f, std::string_view from,
                                    std::string_view to, std::string_view text) {
    auto sender = required(f, from, 40);
    if (!sender) return sender.error();
    auto e164 = international_number(*sender, from);
    if (!e164) return e164.error();
    auto recipient = required(f, to, 40);
    if (!recipient) return recipient.error();
    auto body = text_of(f, text);
    if (!body) return body.error();
    return inbound_message{*e164, *recipient, *body};
}

result<inbound_message> from_json(std::string_view body) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (ec || !doc.is_object()) return malformed("body", "must be a JSON object");
    form_fields f;
    for (const auto& [k, v] : doc.get_object()) {
        if (!v.is_string()) return malformed(k, "must be a string");
        f.emplace_back(std::string(k), std::string(v.get_string()));
    }
    return from_fields(f, "from", "to", "text");
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

bool same_word(std::string_view a, std::string_view upper) {
    if (a.size() != upper.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != upper[i]) return false;
    return true;
}

constexpr std::array<std::string_view, 6> k_stop{"STOP",   "STOPALL", "UNSUBSCRIBE",
                                                 "CANCEL", "END",     "QUIT"};
constexpr std::array<std::string_view, 2> k_start{"START", "UNSTOP"};

}  // namespace

result<std::string> international_number(std::string_view number, std::string_view field) {
    const std::string_view n = trimmed(number);
    // Providers write the sender internationally: "+44…", "0044…", or
    // Vonage's msisdn without the '+'. A national number has no region here.
    std::string written(n);
    if (n.starts_with("00"))
        written = "+" + std::string(n.substr(2));
    else if (!n.empty() && n[0] >= '1' && n[0] <= '9')
        written = "+" + written;
    auto e164 = to_e164(written, "", field);
    if (!e164) return malformed(field, e164.error().detail);
    return e164;
}

result<inbound_message> parse_inbound(const sms_provider_config& p, const callback_request& req) {
    if (p.kind == "twilio") return from_fields(all_params(req), "From", "To", "Body");
    if (p.kind == "vonage") return from_fields(vonage_params(req), "msisdn", "to", "text");
    if (p.kind == "kannel") return from_fields(req.query, "from", "to", "text");
    if (p.kind == "http") return from_json(req.json_body);
    return make_error(sms_errc::unknown_provider, "provider " + p.name + " is of no known kind");
}

std::string_view to_string(opt_keyword k) noexcept {
    switch (k) {
        case opt_keyword::none:
            return "none";
        case opt_keyword::stop:
            return "stop";
        case opt_keyword::start:
            return "start";
    }
    return "none";
}

opt_keyword opt_keyword_of(std::string_view text) {
    const auto word = trimmed(text);
    for (auto k : k_stop)
        if (same_word(word, k)) return opt_keyword::stop;
    for (auto k : k_start)
        if (same_word(word, k)) return opt_keyword::start;
    return opt_keyword::none;
}

boost::asio::awaitable<result<opt_keyword>> apply_inbound(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          const inbound_message& m) {
    const auto k = opt_keyword_of(m.text);
    if (k == opt_keyword::stop) {
        auto ok = co_await queue::add_suppression(redis, shards, tenant, m.from,
                                                  "STOP from " + m.from, k_stop_ttl_s);
        if (!ok) co_return ok.error();
    } else if (k == opt_keyword::start) {
        auto gone = co_await queue::remove_suppression(redis, shards, tenant, m.from);
        if (!gone) co_return gone.error();
    }
    co_return k;
}

}  // namespace herald::sms
