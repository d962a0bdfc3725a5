// Vonage's SMS API: POST {base}/sms/json with api_key, api_secret, from, to
// (E.164 without the '+'), text, type=unicode for UCS-2, client-ref (our id,
// echoed in receipts) and callback. The outcome is each messages[].status of
// a 200's JSON body, not the HTTP status
// (https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms).
#include "sms/form.hpp"
#include "sms/providers/kinds.hpp"

#include <boost/json/parse.hpp>

namespace herald::sms {
namespace {

namespace json = boost::json;

// Vonage's status table: who can act on each refusal.
answer_class class_of(int status) {
    switch (status) {
        case 0:
            return answer_class::accepted;
        case 1:   // throttled
        case 10:  // too many existing binds
            return answer_class::retry;
        case 4:   // invalid credentials
        case 5:   // internal error
        case 8:   // partner account barred
        case 9:   // partner quota violation (no credit)
        case 11:  // account not enabled for HTTP
        case 14:  // invalid signature
        case 32:  // signature and api secret disallowed
            return answer_class::failover;
        default:  // 2, 3, 6, 7, 12, 15, 22, 29, 33 ...: this message is refused
            return answer_class::permanent;
    }
}

class vonage final : public provider {
public:
    using provider::provider;

    http_request request(const sms_send& s) const override {
        const auto plain = [](std::string_view n) {
            return std::string(n.starts_with('+') ? n.substr(1) : n);
        };
        const std::string_view from = s.from.empty() ? std::string_view(cfg_.from) : s.from;
        form_fields f{{"api_key", cfg_.account},     {"api_secret", cfg_.secret},
                      {"from", plain(from)},         {"to", plain(s.to)},
                      {"text", std::string(s.body)}, {"client-ref", std::string(s.id)}};
        if (s.encoding == sms_encoding::ucs2) f.emplace_back("type", "unicode");
        if (!s.status_url.empty()) f.emplace_back("callback", s.status_url);
        http_request r;
        r.url = cfg_.base_url + "/sms/json";
        r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
        r.body = form_encode(f);
        return r;
    }

    provider_answer classify(const http_response& r) const override {
        if (r.status != 200) {
            if (auto a = classify_status("vonage", r)) return *a;
            return provider_answer::of(
                answer_class::permanent, "http_" + std::to_string(r.status),
                "vonage answered " + std::to_string(r.status) + ": " + body_excerpt(r.body));
        }
        std::error_code ec;
        const auto doc = json::parse(r.body, ec);
        const auto* obj = ec ? nullptr : doc.if_object();
        const auto* parts = obj ? obj->if_contains("messages") : nullptr;
        if (!parts || !parts->is_array() || parts->get_array().empty())
            return provider_answer::of(
                answer_class::ambiguous, "vonage_unreadable",
                "vonage answered 200 without messages[]: " + body_excerpt(r.body));
        // One entry per part: the first refusal decides; all accepted, the
        // first part's id names the message.
        std::string first_id;
        for (const auto& part : parts->get_array()) {
            const auto* p = part.if_object();
            const auto field = [&](const char* k) -> std::string {
                const auto* v = p ? p->if_contains(k) : nullptr;
                return v && v->is_string() ? std::string(v->get_string()) : std::string();
            };
            const std::string status_text = field("status");
            const int status = status_text.empty() ? -1 : std::atoi(status_text.c_str());
            if (status == 0) {
                if (first_id.empty()) first_id = field("message-id");
                continue;
            }
            const auto c = status < 0 ? answer_class::ambiguous : class_of(status);
            auto a = provider_answer::of(
                c, "vonage_" + status_text,
                "vonage status " + status_text + ": " + body_excerpt(field("error-text")));
            if (c == answer_class::retry) a.retry_after = 1000;  // Vonage gives no time: soon
            // A part refused after others were accepted: some went out.
            if (!first_id.empty()) a.is = answer_class::ambiguous;
            return a;
        }
        return provider_answer::accepted(first_id, cfg_.name + " " + first_id);
    }
};

}  // namespace

std::unique_ptr<provider> make_vonage(const sms_provider_config& cfg) {
    return std::make_unique<vonage>(cfg);
}

}  // namespace herald::sms
