// Destination health, shared through Redis by every worker (herald_health in
// ratelimit/lua/health.lua): failures of a whole destination in a row
// suspend it for a backoff that doubles while it keeps failing; when the
// suspension ends one worker probes it. While it is suspended nobody
// connects to it, and its messages wait without using attempts.
//
// The hot path costs little while a destination is healthy: each process
// keeps what it last learnt and asks Redis about it, or reports that it
// works, at most once per `refresh` (failures count in a row across every
// worker, so successes must reach Redis too). It forgets destinations it
// has not asked about lately once it knows of `max_known`. Each suspension
// and recovery is a log line and an event on the events stream of the
// shard whose message saw it.
//
// Thread model: one object per io_context thread (the smtp transport's).
#pragma once

#include "core/clock.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace herald::ratelimit {

struct health_options {
    std::uint32_t failures = 5;       // in a row, before a suspension
    millis suspend_ms = 30'000;       // the first suspension; doubles while failing
    millis suspend_max_ms = 600'000;  // ... up to this
    std::chrono::milliseconds refresh{1000};
};

struct health_verdict {
    enum class state { up, down, probe };
    state is = state::up;
    millis until = 0;  // down: when it may open again
};

// Who saw a transition: its event goes to this shard, naming the tenant.
struct health_witness {
    std::uint32_t shard = 0;
    std::string tenant;
};

class destination_health {
public:
    destination_health(redis::client& redis, const clock& clk, health_options options);

    boost::asio::awaitable<health_verdict> check(const std::string& destination);
    // After a send: the whole destination failed (`why`: the peer's words),
    // or it answered like a working server.
    boost::asio::awaitable<void> failed(const std::string& destination, const health_witness& w,
                                        const std::string& why);
    boost::asio::awaitable<void> worked(const std::string& destination, const health_witness& w);

private:
    struct known {
        std::chrono::steady_clock::time_point asked{}, reported{};
        millis until = 0;    // suspended until, as last learnt
        bool clean = false;  // Redis holds nothing for it
    };
    static constexpr std::size_t max_known = 4096;
    known& about(const std::string& destination);
    void forget();
    boost::asio::awaitable<result<redis::reply>> call(const std::string& destination,
                                                      const char* action);
    boost::asio::awaitable<void> event(const health_witness& w, const std::string& type,
                                       const std::string& destination, std::string detail);

    redis::client& redis_;
    const clock& clock_;
    health_options options_;
    std::unordered_map<std::string, known> known_;
};

}  // namespace herald::ratelimit
