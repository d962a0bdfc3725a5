// A tenant's suppression list as the HTTP API manages it: list (paged),
// add, remove. Each suppressed recipient is hd:{sN}:supp:<tenant>:<address>
// (what the smtp transport checks before a send) and a member of the
// tenant's index hd:{sN}:supps:<tenant> (zset by expiry), both written in
// one call (queue/lua/suppressions.lua), by these functions and by the
// smtp transport after a 5.1.x bounce alike.
//
// Addresses are normalised as every door does (dedupe::normalize_address;
// its Lua twin runs inside the calls). Limits: contract::suppressions_max
// per tenant (past it: errc::suppression_limit, 409; nothing written);
// expired entries are pruned from the index on every call. Pages go
// soonest-to-expire first; `limit` is clamped to 1..1000. A reason is kept
// as its printable excerpt of at most 200 bytes.
//
// Errors: queue_errc for Redis trouble, invalid_argument for a bad tenant
// or cursor, suppression_limit.
#pragma once

#include "core/error.hpp"
#include "queue/contract.hpp"
#include "queue/redis_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::queue {

struct suppression {
    std::string recipient;
    std::string reason;
    std::int64_t created_ms = 0, expires_ms = 0;
};
struct suppression_page {
    std::vector<suppression> items;
    std::string next_cursor;  // empty: the end
};

boost::asio::awaitable<result<suppression_page>> list_suppressions(redis::client& redis,
                                                                   std::uint32_t shards,
                                                                   std::string_view tenant,
                                                                   std::string_view cursor,
                                                                   std::size_t limit);
boost::asio::awaitable<result<void>> add_suppression(redis::client& redis, std::uint32_t shards,
                                                     std::string_view tenant,
                                                     std::string_view recipient,
                                                     std::string_view reason, std::uint64_t ttl_s);
// Many recipients of one tenant in one call (the smtp transport's bounce
// path); `cap` is contract::suppressions_max but for tests.
boost::asio::awaitable<result<void>> add_suppressions(
    redis::client& redis, std::uint32_t shards, std::string_view tenant,
    const std::vector<std::string>& recipients, std::string_view reason, std::uint64_t ttl_s,
    std::uint32_t cap = contract::suppressions_max);
// false: there was none.
boost::asio::awaitable<result<bool>> remove_suppression(redis::client& redis, std::uint32_t shards,
                                                        std::string_view tenant,
                                                        std::string_view recipient);

}  // namespace herald::queue
