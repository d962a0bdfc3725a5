// API keys. A key is "hk_" + 256 random bits in base64url, shown once when
// it is made; Redis keeps only its SHA-256 digest (queue/keys: the tenant's
// index and the global digest map), so a copy of Redis yields no usable key.
// A tenant has at most k_max_keys_per_tenant keys.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herald::api {

inline constexpr std::size_t k_max_keys_per_tenant = 100;

using key_digest = std::array<unsigned char, 32>;

key_digest digest_of(std::string_view key);
// Constant time: how long it takes says nothing of where two digests differ.
bool same_digest(const key_digest& a, const key_digest& b);

struct new_key {
    std::string key;  // "hk_..." (shown once, never stored)
    std::string id;   // "key_<16 hex>", names it in lists and revokes
};

struct key_info {
    std::string id, name;
    std::int64_t created_ms = 0;
};

struct key_owner {
    std::string tenant, id;
};

namespace keys {

// The tenant must exist (queue/tenants); `not_found` otherwise.
boost::asio::awaitable<result<new_key>> create(redis::client& redis, std::uint32_t shards,
                                               std::string tenant, std::string name);
boost::asio::awaitable<result<std::vector<key_info>>> list(redis::client& redis,
                                                           std::uint32_t shards,
                                                           std::string tenant);
// False when the tenant has no key with that id.
boost::asio::awaitable<result<bool>> revoke(redis::client& redis, std::uint32_t shards,
                                            std::string tenant, std::string id);
// Whose key has this digest, if anyone's.
boost::asio::awaitable<result<std::optional<key_owner>>> lookup(redis::client& redis,
                                                                key_digest digest);

}  // namespace keys
}  // namespace herald::api
