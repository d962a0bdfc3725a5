// Publishing a sender domain's state for admission's guard (domains/lua/
// sender_domain.lua): the domain store's one way to say that a tenant may,
// or may no longer, send From a domain. One FCALL herald_sender_state sets
// or removes the field of hd:{sN}:senders:<tenant> and bumps the shard's
// settings version, so the next admission call sees it (and admission
// reads the hash only when that version changes).
//
// States: "verified"; regressed_state(t) (still sending until t, in ms of
// the shard's clock, as admission reads it); "" removes the domain; any
// other word (e.g. "pending") is stored and means not verified.
//
// Errors: invalid_message for a bad tenant, invalid_argument for a domain
// that is not a lower-case A-label or a state outside [A-Za-z0-9:_.-]
// (64 at most), not_initialized / wrong_shard from the function, and
// queue_errc for Redis trouble. The caller bounds how many domains a
// tenant has ([domains] max_per_tenant).
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace herald::domains {

inline constexpr std::string_view state_verified = "verified";

// "regressed:<block_at_ms>": verified until then, refused after.
std::string regressed_state(std::int64_t block_at_ms);

boost::asio::awaitable<result<void>> publish_sender_state(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          std::string_view domain,
                                                          std::string_view state);

}  // namespace herald::domains
