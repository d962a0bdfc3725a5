#include "sms/callback_url.hpp"

#include "sms/form.hpp"
#include "sms/signature.hpp"

namespace herald::sms {
namespace {

std::string base_of(const sms_config& sms, std::string_view what, const sms_provider_config& p) {
    std::string_view root = sms.status_url;
    while (root.ends_with('/'))
        root.remove_suffix(1);
    return std::string(root) + "/v1/sms/" + std::string(what) + "/" + url_escape(p.name);
}

// The http and kannel kinds cannot sign: herald's own sig rides along.
bool signs_itself(const sms_provider_config& p) {
    return p.kind == "twilio" || p.kind == "vonage";
}

std::string with_param(std::string url, const sms_provider_config& p, std::string_view name,
                       std::string_view value) {
    url += "?" + std::string(name) + "=" + url_escape(value);
    const auto sig = [&] {
        return callback_sig(p.signature_secret, std::string(name) + ":" + std::string(value));
    };
    if (!signs_itself(p))
        url += "&sig=" + sig();
    else if (p.kind == "vonage" && name == "tenant")
        url += "&tenant_sig=" + sig();  // Vonage signs only its own fields (its own is `sig`)
    return url;
}

}  // namespace

std::string status_callback_url(const sms_config& sms, const sms_provider_config& p,
                                std::string_view message_id) {
    if (sms.status_url.empty()) return {};
    // Vonage's receipt URL is set once per account, so it cannot carry an
    // id: its receipts name the message by client-ref, which the adapter sets.
    if (p.kind == "vonage") return base_of(sms, "status", p);
    return with_param(base_of(sms, "status", p), p, "id", message_id);
}

std::string inbound_callback_url(const sms_config& sms, const sms_provider_config& p,
                                 std::string_view tenant) {
    if (sms.status_url.empty()) return {};
    return with_param(base_of(sms, "inbound", p), p, "tenant", tenant);
}

}  // namespace herald::sms
