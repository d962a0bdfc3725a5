// The per-tenant suppression list: a recipient whose address failed
// permanently (5.1.x: no such user, bad domain...) is not mailed again by
// that tenant until the entry expires (`ttl`, default 180 days) or ops
// remove it. Checked before every send, written after every such bounce.
// One key per entry, hd:{sN}:supp:<tenant>:<address> = "<created ms>|<the
// reply that caused it>", EX ttl: bounded, and in the tenant's shard;
// writes and removals go through queue/suppressions, which keeps the
// tenant's index (capped: a bounce past the cap is not suppressed) in the
// same call. Addresses are normalised as dedupe::normalize_address does.
//
// Errors: queue_errc for Redis trouble; the caller decides (the smtp
// transport defers rather than sending unchecked).
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace herald::smtp {

class suppression_list {
public:
    suppression_list(redis::client& redis, std::uint32_t shards,
                     std::chrono::seconds ttl = std::chrono::hours(24 * 180))
        : redis_(redis), shards_(shards), ttl_(ttl) {}

    // One answer per recipient, in order: true when suppressed.
    boost::asio::awaitable<result<std::vector<bool>>> check(std::string_view tenant,
                                                            const std::vector<std::string>& rcpts);
    // The same as a command and its reading, for callers that pipeline it
    // with their own commands (one round trip per message).
    redis::command lookup(std::string_view tenant, const std::vector<std::string>& rcpts) const;
    static std::vector<bool> suppressed(const redis::reply& mget);
    boost::asio::awaitable<result<void>> add(std::string_view tenant,
                                             const std::vector<std::string>& rcpts,
                                             std::string_view reason);
    boost::asio::awaitable<result<void>> remove(std::string_view tenant, std::string_view rcpt);

    std::string key(std::string_view tenant, std::string_view rcpt) const;

private:
    redis::client& redis_;
    std::uint32_t shards_;
    std::chrono::seconds ttl_;
};

}  // namespace herald::smtp
