// The adapters, one per provider kind (make_provider picks by kind).
#pragma once

#include "sms/provider.hpp"

namespace herald::sms {

std::unique_ptr<provider> make_twilio(const sms_provider_config& cfg);
std::unique_ptr<provider> make_vonage(const sms_provider_config& cfg);
std::unique_ptr<provider> make_http(const sms_provider_config& cfg);
std::unique_ptr<provider> make_kannel(const sms_provider_config& cfg);

}  // namespace herald::sms
