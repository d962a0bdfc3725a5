// How a webhook POST proves it comes from herald (the Stripe convention,
// so tenants can use existing verifier code):
//
//   Herald-Webhook-Id: <batch id>              the receiver's dedupe key
//   Herald-Webhook-Timestamp: <unix seconds>
//   Herald-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC's key is the endpoint's secret exactly as shown at
// creation ("whsec_..." , its bytes) and its message is
// "<unix seconds>.<body>". A receiver recomputes it, compares in constant
// time, and refuses timestamps far from its clock (replays).
//
// Secrets and ids come from OpenSSL's RAND_bytes; no errors (a failing
// RNG aborts: nothing may be signed with a guessable key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ops {

std::string new_webhook_secret();  // "whsec_" + 64 hex digits (32 random bytes)
std::string new_endpoint_id();     // "we_" + 16 hex digits

// Hex HMAC-SHA256 of "<unix_s>.<body>" keyed with `secret`.
std::string webhook_signature(std::string_view secret, std::int64_t unix_s, std::string_view body);

// The request's headers ("Name: value"): content type, id, timestamp,
// signature.
std::vector<std::string> webhook_headers(std::string_view batch_id, std::string_view secret,
                                         std::int64_t unix_s, std::string_view body);

}  // namespace herald::ops
