#include "sms/providers/kinds.hpp"

namespace herald::sms {

std::unique_ptr<provider> make_provider(const sms_provider_config& cfg) {
    if (cfg.kind == "twilio") return make_twilio(cfg);
    if (cfg.kind == "vonage") return make_vonage(cfg);
    if (cfg.kind == "kannel") return make_kannel(cfg);
    return make_http(cfg);  // core/config admits these four kinds only
}

}  // namespace herald::sms
