// Delivery receipts: what a provider's status callback says about one of
// herald's messages, read per provider kind, and applied in one Redis call.
//
//   twilio  form: MessageSid, MessageStatus, ErrorCode; herald's id in the
//           URL's `id` (status_callback_url)
//   vonage  query or form: messageId, status, err-code, client-ref (herald's
//           id: the adapter sends it as client-ref)
//   kannel  GET: id and sig (herald's URL), status (the dlr-url's %d: 1
//           delivered, 2 failed on the handset, 4 buffered, 8 submitted, 16
//           rejected by the SMSC), optional provider_id (%F) and code (%A)
//   http    JSON {"id", "provider_id", "status", "code"?}: status is one of
//           herald's states below; the id must be the URL's
//
// States: sent (the provider or carrier has it, no final word yet),
// delivered, undelivered (the carrier could not reach the handset),
// failed (refused, never sent). A final state is never moved back to sent,
// and delivered is never moved at all; a late delivered does replace
// failed or undelivered (the handset's own word is the last).
//
// apply_receipt writes hd:{sN}:rcpt:<id> (provider, provider_id, state,
// code, at; EX queue.delivered_ttl_s) and an sms.receipt event, only for a
// message herald knows: delivered (its marker, written by the sms transport
// like every transport) or in flight (a receipt can overtake the worker's
// settle).
//
// Errors: malformed_callback naming the field; unknown_message (404) for a
// message herald does not know, or no longer; queue_errc for Redis.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "queue/redis_client.hpp"
#include "sms/callback.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace herald::sms {

enum class receipt_state { sent, delivered, undelivered, failed };
std::string_view to_string(receipt_state s) noexcept;
bool is_final(receipt_state s) noexcept;

struct receipt {
    std::string message_id;   // herald's
    std::string provider_id;  // the provider's message id (may be empty: kannel)
    receipt_state state = receipt_state::sent;
    std::string code;  // the provider's error code, as it wrote it ("" or "0": none)
};

// The receipt a verified callback carries.
result<receipt> parse_receipt(const sms_provider_config& p, const callback_request& req);

struct receipt_applied {
    receipt_state state = receipt_state::sent;  // the message's receipt state now
    bool changed = false;                       // false: a repeat or a late intermediate
};

boost::asio::awaitable<result<receipt_applied>> apply_receipt(redis::client& redis,
                                                              std::uint32_t shards,
                                                              std::string_view provider,
                                                              const receipt& r,
                                                              std::uint64_t ttl_s);

}  // namespace herald::sms
