// The send leases this worker holds, renewed until their outcome is written.
//
// A message is held from its claim until the settler has written its
// outcome (delivered marker, retry, dead letter or release), including
// the time that outcome waits for Redis to come back. Every
// renew_interval the keeper renews all of them: one herald_renew call per
// shard (queue/lua/lease.lua), pipelined. A renewal also resets the
// pending entry's idle time, so the reclaimer never looks at a held
// message.
//
// Locally a lease counts as held until `lease` after the last claim or
// renewal that succeeded was *sent*: Redis measures leases on its service
// clock, which runs no faster than ours, so it cannot count the lease
// lapsed before then. A renewal answered 'lost' (another worker holds it
// now) ends the hold at once; it is logged and counted. Either way held()
// turns false, and a transport does not pass its point of no return.
//
// Limits: a round costs one call per shard with held messages, at most
// max_per_call messages each, whatever the number held.
#pragma once

#include "core/channel.hpp"
#include "core/event.hpp"
#include "core/transport.hpp"
#include "queue/redis_client.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

namespace herald::queue {

struct lease_options {
    std::string consumer;
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds renew_interval{2000};
    // How long a lease key lives in Redis: the longest a message can live.
    std::chrono::milliseconds keep{86400000};
    // The service clock's stall threshold (lease.lua): renew interval plus
    // the Redis timeout, the longest a live worker leaves a shard unticked.
    std::chrono::milliseconds stall{7000};
    std::size_t max_per_call = 512;
};

struct lease_counters {
    std::uint64_t rounds = 0, calls = 0, renewed = 0, lost = 0, failed_rounds = 0;
};

class held_lease final : public send_lease {
public:
    using time_point = std::chrono::steady_clock::time_point;
    explicit held_lease(time_point until) : until_(until.time_since_epoch().count()) {}

    bool held() const noexcept override;
    void extend(time_point until) noexcept;  // never moves the end earlier
    void end() noexcept;                     // lost or given up: held() is false from now on

private:
    std::atomic<time_point::rep> until_;
    std::atomic<bool> ended_{false};
};

class lease_keeper {
public:
    using time_point = std::chrono::steady_clock::time_point;
    lease_keeper(boost::asio::any_io_executor ex, redis::client& redis, lease_options opt);

    // Holds the lease of message `id`, whose claim was sent at `claimed_at`.
    std::shared_ptr<held_lease> hold(const std::string& id, std::uint32_t shard, channel ch,
                                     std::string entry_id, time_point claimed_at);
    // Its outcome is written: no more renewals.
    void drop(const std::string& id);
    bool holds(const std::string& id) const { return held_.contains(id); }
    std::size_t size() const { return held_.size(); }

    // Renews every renew_interval until close() was called and nothing is held.
    boost::asio::awaitable<void> run();
    void close();
    // One renewal round for everything held now.
    boost::asio::awaitable<void> renew_all();

    const lease_counters& counters() const { return counters_; }
    const lease_options& options() const { return opt_; }

private:
    struct entry {
        std::uint32_t shard;
        channel ch;
        std::string entry_id;
        std::shared_ptr<held_lease> lease;
    };

    redis::client& redis_;
    lease_options opt_;
    std::unordered_map<std::string, entry> held_;  // by message id
    event wake_;
    bool closed_ = false;
    lease_counters counters_;
};

}  // namespace herald::queue
