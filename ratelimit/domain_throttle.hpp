// Destination domains' rate limits (GCRA, herald_throttle in
// ratelimit/lua/gcra.lua), across every tenant and worker: a default for
// every domain (limits.domain_per_sec / domain_burst), and a limit of its
// own for a domain set by `herald limits domain`.
//
// With no default, only domains with a limit of their own are asked
// about. They are listed in one index, hd:{d}:limited, which `herald
// limits domain` maintains; the throttle reads it at most every
// `refresh` (never a scan of the keyspace).
#pragma once

#include "queue/redis_client.hpp"
#include "queue/send_throttle.hpp"

#include <chrono>
#include <string>
#include <unordered_set>

namespace herald::ratelimit {

struct domain_limits {
    std::uint32_t per_sec = 0, burst = 0;  // the default; 0: only domains with their own
    std::chrono::milliseconds refresh{5000};
};

class domain_throttle final : public queue::send_throttle {
public:
    domain_throttle(redis::client& redis, const clock& clk, domain_limits limits);

    boost::asio::awaitable<std::vector<millis>> waits(
        const std::vector<const queue::queued_message*>& messages) override;

private:
    boost::asio::awaitable<void> refresh_limited();

    redis::client& redis_;
    const clock& clock_;
    domain_limits limits_;
    std::unordered_set<std::string> limited_;
    std::chrono::steady_clock::time_point limited_at_{};
};

// Index maintenance for `herald limits domain`: the commands that set or
// remove a domain's own limit together with its place in the index.
std::vector<redis::command> set_domain_limit(std::string_view domain, std::string_view per_sec,
                                             std::string_view burst);
std::vector<redis::command> unset_domain_limit(std::string_view domain);

}  // namespace herald::ratelimit
