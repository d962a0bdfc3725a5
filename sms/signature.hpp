// How a callback proves it comes from the provider: delivery receipts and
// inbound messages carry no API key, so the provider's signature is their
// authentication. Every comparison is constant-time.
//
//   twilio   X-Twilio-Signature: base64 HMAC-SHA1 under the auth token
//            (the provider's `secret`) of the URL Twilio called (as Twilio
//            saw it: sms.status_url + path + query) followed by each POST
//            form field, sorted by name, as name then value.
//   vonage   the `sig` parameter of a signed callback, under the
//            `signature_secret`, over "&name=value" of every other
//            parameter sorted by name, '&' and '=' in values replaced by
//            '_': "md5hash" (lower-case hex MD5 of that text followed by the
//            secret) or an HMAC of it (MD5, SHA-1, SHA-256 or SHA-512, hex,
//            either case), told apart by the signature's length.
//   http, kannel  the `sig` query parameter herald put in the callback URL
//            (sms/callback_url.hpp): hex HMAC-SHA256 under the
//            `signature_secret` of "id:<message id>" or "tenant:<tenant>".
//
// A provider without its secret configured never verifies: an empty secret
// would make every forgery valid.
#pragma once

#include "sms/form.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::sms {

// Constant-time for equal lengths; unequal lengths are simply unequal.
bool same_secret_text(std::string_view a, std::string_view b) noexcept;

std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// What Twilio sends in X-Twilio-Signature for this URL and form.
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const form_fields& form);
bool twilio_signature_valid(std::string_view auth_token, std::string_view url,
                            const form_fields& form, std::string_view header);

// The text Vonage signs: "&k=v" of every parameter but `sig`, sorted.
std::string vonage_signed_text(const form_fields& params);
// `params` with its `sig`: whether it is one of Vonage's methods under `secret`.
bool vonage_signature_valid(std::string_view secret, const form_fields& params);

// The `sig` of herald's own callback URLs (http, kannel): "id:<id>" or
// "tenant:<tenant>".
std::string callback_sig(std::string_view secret, std::string_view what);
bool callback_sig_valid(std::string_view secret, std::string_view what, std::string_view sig);

}  // namespace herald::sms
