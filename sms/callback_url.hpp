// The URLs a provider calls back: delivery receipts and inbound messages.
//
//   {sms.status_url}/v1/sms/status/{provider}?id={message id}[&sig={hmac}]
//   {sms.status_url}/v1/sms/inbound/{provider}?tenant={tenant}[&sig={hmac}]
//
// Twilio and Vonage sign their callbacks themselves (sms/signature). The
// http and kannel kinds cannot, so their URLs carry `sig`: hex
// HMAC-SHA256 under the provider's signature_secret of "id:<id>" or
// "tenant:<tenant>", and a callback whose sig does not match is refused.
// Vonage's receipt URL is set once per account, so its status URL is the
// bare {sms.status_url}/v1/sms/status/{provider}: its receipts name the
// message by client-ref, which its adapter sets to herald's id. Vonage's
// signature leaves out herald's `tenant` of an inbound URL, so that URL
// carries `tenant_sig` (the same HMAC of "tenant:<tenant>"): a signed
// inbound message replayed against another tenant's URL is refused.
#pragma once

#include "core/config.hpp"

#include <string>
#include <string_view>

namespace herald::sms {

// Empty when sms.status_url is empty (no receipts asked for).
std::string status_callback_url(const sms_config& sms, const sms_provider_config& p,
                                std::string_view message_id);
std::string inbound_callback_url(const sms_config& sms, const sms_provider_config& p,
                                 std::string_view tenant);

}  // namespace herald::sms
