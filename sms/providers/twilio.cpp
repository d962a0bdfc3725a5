// Twilio's Messages API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json
// with form fields To, From (or MessagingServiceSid), Body, StatusCallback,
// basic auth with the account SID and auth token. 201 with the message's
// `sid`; errors carry Twilio's own `code` in a JSON body
// (https://www.twilio.com/docs/api/errors).
#include "sms/form.hpp"
#include "sms/providers/kinds.hpp"

#include <boost/json/parse.hpp>

namespace herald::sms {
namespace {

namespace json = boost::json;

class twilio final : public provider {
public:
    using provider::provider;

    http_request request(const sms_send& s) const override {
        form_fields f{{"To", std::string(s.to)}, {"Body", std::string(s.body)}};
        if (!cfg_.messaging_service_sid.empty())
            f.emplace_back("MessagingServiceSid", cfg_.messaging_service_sid);
        else
            f.emplace_back("From", std::string(s.from.empty() ? cfg_.from : s.from));
        if (!s.status_url.empty()) f.emplace_back("StatusCallback", s.status_url);
        http_request r;
        r.url =
            cfg_.base_url + "/2010-04-01/Accounts/" + url_escape(cfg_.account) + "/Messages.json";
        r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
        r.body = form_encode(f);
        r.user = cfg_.account;
        r.password = cfg_.secret;
        return r;
    }

    provider_answer classify(const http_response& r) const override {
        std::error_code ec;
        const auto doc = json::parse(r.body, ec);
        const auto* obj = ec ? nullptr : doc.if_object();
        const auto text = [&](const char* key) -> std::string {
            const auto* v = obj ? obj->if_contains(key) : nullptr;
            return v && v->is_string() ? std::string(v->get_string()) : std::string();
        };
        if (r.status == 200 || r.status == 201) {
            const auto sid = text("sid");
            return provider_answer::accepted(sid, cfg_.name + " " + sid + " " + text("status"));
        }
        const std::int64_t code = obj && obj->contains("code") && obj->at("code").is_int64()
                                      ? obj->at("code").as_int64()
                                      : 0;
        const std::string said = "twilio " + std::to_string(r.status) + " " + std::to_string(code) +
                                 ": " + body_excerpt(text("message"));
        const std::string name = "twilio_" + std::to_string(code);
        switch (code) {
            case 20429:  // too many requests
            {
                auto a = provider_answer::of(answer_class::retry, name, said);
                a.retry_after = retry_after_of(r);
                return a;
            }
            case 21610: {  // the recipient replied STOP to this sender
                auto a = provider_answer::of(answer_class::permanent, name, said);
                a.suppress = true;
                return a;
            }
            case 20003:  // authentication
            case 20005:  // account not active
            case 21408:  // this account may not send to the region
            case 21606:  // the From number is not this account's
            case 30002:  // account suspended
                return provider_answer::of(answer_class::failover, name, said);
            default:
                break;
        }
        if (auto a = classify_status("twilio", r)) return *a;
        // 21211 invalid To, 21614 not a mobile number, and every other 4xx:
        // this message, as written, is refused.
        return provider_answer::of(answer_class::permanent,
                                   code ? name : "http_" + std::to_string(r.status), said);
    }
};

}  // namespace

std::unique_ptr<provider> make_twilio(const sms_provider_config& cfg) {
    return std::make_unique<twilio>(cfg);
}

}  // namespace herald::sms
