#include "sms/callback.hpp"

#include "sms/errors.hpp"
#include "sms/form.hpp"

namespace herald::sms {

result<form_fields> parse_form(std::string_view body) {
    auto fields = form_decode(body);
    if (!fields)
        return make_error(sms_errc::malformed_callback,
                          "the form body is not application/x-www-form-urlencoded");
    return std::move(*fields);
}

const std::string* field_of(const form_fields& f, std::string_view name) {
    for (const auto& [k, v] : f)
        if (k == name) return &v;
    return nullptr;
}

form_fields all_params(const callback_request& req) {
    form_fields out = req.query;
    out.insert(out.end(), req.form.begin(), req.form.end());
    return out;
}

form_fields vonage_params(const callback_request& req) {
    if (!req.form.empty()) return req.form;
    // By GET, Vonage's parameters follow herald's own in the query.
    form_fields out;
    for (const auto& f : req.query)
        if (f.first != "tenant" && f.first != "tenant_sig") out.push_back(f);
    return out;
}

result<void> verify_callback(const sms_provider_config& p, const callback_request& req,
                             std::string_view param) {
    bool ok = false;
    if (p.kind == "twilio") {
        ok = twilio_signature_valid(p.secret, req.url, req.form, req.twilio_signature);
    } else if (p.kind == "vonage") {
        ok = vonage_signature_valid(p.signature_secret, vonage_params(req));
        // Its signature leaves out herald's tenant: the URL's own sig covers it.
        if (ok && param == "tenant") {
            const auto* tenant = field_of(req.query, "tenant");
            const auto* sig = field_of(req.query, "tenant_sig");
            ok = tenant && sig && callback_sig_valid(p.signature_secret, "tenant:" + *tenant, *sig);
        }
    } else if (p.kind == "http" || p.kind == "kannel") {
        const auto* value = field_of(req.query, param);
        const auto* sig = field_of(req.query, "sig");
        ok = value && sig &&
             callback_sig_valid(p.signature_secret, std::string(param) + ":" + *value, *sig);
    }
    if (ok) return result<void>{};
    return make_error(sms_errc::bad_signature,
                      "the callback is not signed by provider " + p.name +
                          " (check its secret or signature_secret, and sms.status_url: the URL "
                          "the provider calls must be the one it signs)");
}

}  // namespace herald::sms
