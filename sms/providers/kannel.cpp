// Kannel's sendsms interface: GET {base}/cgi-bin/sendsms with username,
// password, from, to, text (UTF-8, charset=UTF-8), coding (0 GSM-7, 2 UCS-2)
// and dlr-url with dlr-mask (delivered, failed, buffered, submitted,
// rejected). 202 "0: Accepted for delivery" or "3: Queued for later
// delivery"; Kannel gives no message id: receipts find the message by the
// id in their URL (sms/callback_url.hpp).
#include "sms/form.hpp"
#include "sms/providers/kinds.hpp"

namespace herald::sms {
namespace {

class kannel final : public provider {
public:
    using provider::provider;

    http_request request(const sms_send& s) const override {
        form_fields f{{"username", cfg_.account},
                      {"password", cfg_.secret},
                      {"from", std::string(s.from.empty() ? std::string_view(cfg_.from) : s.from)},
                      {"to", std::string(s.to)},
                      {"text", std::string(s.body)},
                      {"charset", "UTF-8"},
                      {"coding", s.encoding == sms_encoding::ucs2 ? "2" : "0"}};
        if (!s.status_url.empty()) {
            // Kannel fills in the receipt's type (%d), the SMSC's message id
            // (%F) and its reply (%A) when it calls back (sms/receipt.hpp).
            f.emplace_back("dlr-mask", "31");
            f.emplace_back("dlr-url", s.status_url + "&status=%d&provider_id=%F&code=%A");
        }
        http_request r;
        r.method = "GET";
        r.url = cfg_.base_url + "/cgi-bin/sendsms?" + form_encode(f);
        return r;
    }

    provider_answer classify(const http_response& r) const override {
        if (r.status == 200 || r.status == 202)
            return provider_answer::accepted({}, cfg_.name + " " + body_excerpt(r.body));
        if (auto a = classify_status("kannel", r)) return *a;
        return provider_answer::of(
            answer_class::permanent, "http_" + std::to_string(r.status),
            "kannel answered " + std::to_string(r.status) + ": " + body_excerpt(r.body));
    }
};

}  // namespace

std::unique_ptr<provider> make_kannel(const sms_provider_config& cfg) {
    return std::make_unique<kannel>(cfg);
}

}  // namespace herald::sms
