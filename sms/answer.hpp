// What a provider's answer means for the message, in one place as
// smtp/failure is for SMTP replies. Five classes:
//
//   accepted   the provider took it (its message id kept for the receipt)
//   retry      throttled (HTTP 429, Twilio 20429, Vonage status 1): try the
//              next provider, else again after Retry-After
//   failover   this provider did not take it and another may (not reached,
//              HTTP 5xx, bad credentials, out of credit): the next provider
//   ambiguous  the request left whole and no answer came back: the provider
//              may have it. Recorded `unknown` and reconciled by the
//              receipt; never sent again, by this provider or another
//   permanent  this message can never be sent as it is (invalid number,
//              unsubscribed recipient: `suppress`)
#pragma once

#include "core/clock.hpp"
#include "sms/http_client.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace herald::sms {

enum class answer_class { accepted, retry, failover, ambiguous, permanent };
std::string_view to_string(answer_class c) noexcept;

struct provider_answer {
    answer_class is = answer_class::accepted;
    std::string code;         // stable: "sms_accepted", "twilio_21211", "vonage_1", "http_503"
    std::string detail;       // the provider's words, for the status and logs
    std::string provider_id;  // accepted: the provider's message id (may be empty: Kannel)
    std::optional<millis> retry_after;  // retry: how long the provider asked to wait
    bool suppress = false;              // permanent: the recipient opted out or is gone

    static provider_answer accepted(std::string provider_id, std::string detail = {}) {
        return {answer_class::accepted, "sms_accepted", std::move(detail), std::move(provider_id)};
    }
    static provider_answer of(answer_class c, std::string code, std::string detail) {
        return {c, std::move(code), std::move(detail)};
    }
};

// An answer that never came (failure != none): not_sent and unusable fail
// over, no_answer is ambiguous.
provider_answer classify_failure(std::string_view provider, const http_response& r);

// The class of an HTTP status every provider shares, or nothing when the
// adapter must read the body: 429 retry (with Retry-After), 5xx failover,
// 401/403 failover (this account's credentials or rights).
std::optional<provider_answer> classify_status(std::string_view provider, const http_response& r);

// Retry-After as seconds or an HTTP date, in ms from now (the system clock's,
// which the date is in); nothing if absent or unreadable.
std::optional<millis> retry_after_of(const http_response& r);

// At most 200 printable bytes of a body, for details.
std::string body_excerpt(std::string_view body);

}  // namespace herald::sms
