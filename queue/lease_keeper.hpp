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
// clock, which counts at most the wall time that passed (less when Redis
// stalled), so it cannot count the lease lapsed before then, unless the
// Redis host's clock is stepped forward (by less than the stall threshold;
// larger steps are not counted). A renewal answered 'lost' (another worker
// holds it now) ends the hold at once; it is logged and counted. Either
// way held() turns false, and a transport does not pass its point of no
// return.
//
// commit() and release() decide, atomically, between the transport's
// point of no return and a draining worker's give-up: a committed send is
// never released (its peer may have the message; the worker waits for its
// outcome), a released one never commits.
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
    std::uint64_t rounds = 0, calls = 0, renewed = 0, lost = 0, gone = 0, failed_rounds = 0;
};

class held_lease final : public send_lease {
public:
    using time_point = std::chrono::steady_clock::time_point;
    explicit held_lease(time_point until) : until_(until.time_since_epoch().count()) {}

    bool held() const noexcept override;
    bool commit() noexcept override;
    // A draining worker gives the send up: true unless it was committed.
    bool release() noexcept;
    void extend(time_point until) noexcept;  // never moves the end earlier
    void lose() noexcept;                    // another worker holds it: never commits again

private:
    static constexpr int holding_state = 0, committed_state = 1, released_state = 2;
    std::atomic<time_point::rep> until_;
    std::atomic<int> state_{holding_state};
    std::atomic<bool> lost_{false};
};

class lease_keeper {
public:
    using time_point = std::chrono::steady_clock::time_point;
    lease_keeper(boost::asio::any_io_executor ex, redis::client& redis, lease_options opt);

    // Holds the lease of message `id`, whose claim was sent at `claimed_at`.
    std::shared_ptr<held_lease> hold(const std::string& id, std::uint32_t shard, channel ch,
                                     std::string entry_id, time_point claimed_at);
    // The outcome of this entry of the message is written: no more renewals.
    // (A retry of the message is another entry, held anew.)
    void drop(const std::string& id, const std::string& entry_id);
    bool holds(const std::string& id, const std::string& entry_id) const;
    std::size_t size() const { return held_.size(); }

    // Renews every renew_interval until close() was called and nothing is
    // held, or the close deadline has passed (what is still held then
    // lapses and is reclaimed).
    boost::asio::awaitable<void> run();
    void close(time_point deadline);
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
    time_point deadline_ = time_point::max();
    lease_counters counters_;
};

}  // namespace herald::queue
