// A provider's callback (a delivery receipt or an inbound message) as the
// HTTP API hands it over, and the one check every callback passes before
// anything reads it: the provider's signature (sms/signature.hpp).
//
// Errors: sms_errc::bad_signature (403) when the signature is missing or
// wrong, or the provider has no secret to check it with;
// malformed_callback (400) for a form body that does not decode.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "sms/signature.hpp"

#include <string>
#include <string_view>

namespace herald::sms {

struct callback_request {
    std::string method;            // GET | POST
    std::string url;               // as the provider called it: sms.status_url + path + query
    form_fields query;             // the URL's query, decoded
    form_fields form;              // an application/x-www-form-urlencoded body, decoded
    std::string json_body;         // an application/json body (the http kind), as sent
    std::string twilio_signature;  // X-Twilio-Signature
};

// An application/x-www-form-urlencoded body ('+' is a space).
result<form_fields> parse_form(std::string_view body);

// The first value of `name`, or null.
const std::string* field_of(const form_fields& f, std::string_view name);

// Vonage sends its parameters in the query (GET) or the body (POST): both.
form_fields all_params(const callback_request& req);

// What Vonage signed: its POST form, or by GET the query but for herald's
// own `tenant` (its signature covers only the parameters it sends).
form_fields vonage_params(const callback_request& req);

// Whether the callback is the provider's. `param` is the parameter herald's
// own URL signs for the http and kannel kinds: "id" (receipts) or "tenant"
// (inbound messages).
result<void> verify_callback(const sms_provider_config& p, const callback_request& req,
                             std::string_view param);

}  // namespace herald::sms
