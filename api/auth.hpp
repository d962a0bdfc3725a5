// Who is calling: `Authorization: Bearer <key>`, an admin key (api.admin_key
// or HERALD_API_ADMIN_KEY) or a tenant's key (api/keys). Tenant keys are
// looked up by digest and remembered for api.key_cache_ms, so a revoked key
// stops working within that bound; a key that matched nothing is
// remembered for at most a second, so a new key works almost at once.
//
// One per thread (lane): not thread-safe.
#pragma once

#include "api/http.hpp"
#include "api/keys.hpp"

#include <chrono>
#include <unordered_map>

namespace herald::api {

class authenticator {
public:
    authenticator(redis::client& redis, std::string_view admin_key, std::chrono::milliseconds ttl);

    // The caller, or `unauthorized`; Redis trouble as its own error.
    boost::asio::awaitable<result<principal>> identify(const http_request& req);

private:
    struct remembered {
        std::optional<key_owner> owner;
        std::chrono::steady_clock::time_point until;
    };
    struct digest_hash {
        std::size_t operator()(const key_digest& d) const noexcept;
    };

    static constexpr std::size_t k_max_remembered = 100000;

    redis::client& redis_;
    std::optional<key_digest> admin_;
    std::chrono::milliseconds ttl_;
    std::unordered_map<key_digest, remembered, digest_hash> cache_;
};

}  // namespace herald::api
