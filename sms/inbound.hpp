// Inbound messages (a reply to one of the tenant's numbers), read per
// provider kind, and what herald does with them: opt-out keywords only.
//
//   twilio  form: From, To, Body
//   vonage  query or form: msisdn, to, text
//   kannel  GET: from, to, text (the sms-service's %p, %P, %a)
//   http    JSON {"from", "to", "text"}
//
// The keywords are the whole body, trimmed, in any case: STOP, STOPALL,
// UNSUBSCRIBE, CANCEL, END and QUIT add the sender to the tenant's
// suppression list (reason "STOP from <number>"); START and UNSTOP remove
// it. Anything else is ignored. The tenant is the inbound URL's `tenant`
// (sms/callback_url.hpp), vouched for by the provider's signature.
//
// Numbers: the sender is written in E.164 ("+447700900001"). Providers
// send international numbers, with or without '+' (Vonage's msisdn has
// none) or with a 00 prefix; a national number (leading 0) cannot be
// placed without a region and is malformed.
//
// Errors: malformed_callback naming the field; queue errors of the
// suppression list (suppression_limit, Redis).
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "queue/redis_client.hpp"
#include "sms/callback.hpp"

#include <string>
#include <string_view>

namespace herald::sms {

struct inbound_message {
    std::string from;  // E.164
    std::string to;    // as the provider wrote it
    std::string text;
};

result<inbound_message> parse_inbound(const sms_provider_config& p, const callback_request& req);

// E.164 (libphonenumber) from an international number as providers write
// senders, or malformed_callback naming `field`.
result<std::string> international_number(std::string_view number, std::string_view field);

enum class opt_keyword { none, stop, start };
std::string_view to_string(opt_keyword k) noexcept;
opt_keyword opt_keyword_of(std::string_view text);

// How long a STOP keeps the number suppressed: until START, in practice.
inline constexpr std::uint64_t k_stop_ttl_s = 10ull * 365 * 86400;

// Applies the message's keyword to `tenant`'s suppression list; answers it.
boost::asio::awaitable<result<opt_keyword>> apply_inbound(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          const inbound_message& m);

}  // namespace herald::sms
