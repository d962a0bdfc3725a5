// The worker: reads its shards' ingress streams through the consumer
// group, takes a send lease per message, hands it to the transport, and
// settles the outcome. Alongside it run the retry scheduler (deferred
// messages back into their stream when due) and the reclaimer (entries
// left pending by a crashed worker, via herald_reclaim: entries whose
// lease lapsed or was never taken) and removes the consumers of workers
// gone (queue/consumers); a clean stop removes the worker's own.
//
// A message is sent at most once per lease and never after its delivered
// marker exists. The lease is renewed (queue/lease_keeper) from the claim
// until the outcome is written, and the transport commits it right before
// its point of no return, so neither a slow peer, nor a worker stalled
// before that point, nor a Redis pause makes two workers send one
// message. The window left: the final dot was handed to the connection,
// and then this worker crashed (or stalled, or lost Redis while Redis
// served others) for longer than lease_ms before its delivered marker was
// written. queue/model/ checks the protocol with Spin.
//
// stop() drains within `drain_timeout`: no new reads, in-flight sends get
// until the deadline to finish; those that did not are released (the
// entries stay pending and are reclaimed by another worker) unless they
// are past their point of no return, whose outcome is awaited; queued
// outcomes are written while Redis answers before the deadline, then
// run() returns; unsettled() tells how many were not.
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event.hpp"
#include "core/transport.hpp"
#include "queue/lease_keeper.hpp"
#include "queue/redis_client.hpp"
#include "queue/send_throttle.hpp"
#include "queue/settler.hpp"
#include "queue/stream_entry.hpp"

#include <boost/asio/steady_timer.hpp>

#include <random>
#include <unordered_map>

namespace herald::queue {

struct worker_options {
    std::string consumer;  // unique per process, e.g. host:pid
    queue_config q;
    message_limits limits;
    // Limits asked once the lease is held (destination domains); none if null.
    send_throttle* throttle = nullptr;
    // The Redis client's command timeout: part of the service clock's
    // stall threshold (queue/lua/lease.lua).
    std::uint32_t redis_timeout_ms = 5000;
};

lease_options lease_options_from(const worker_options& w);

message_limits limits_from(const queue_config& q);

struct worker_counters {
    std::uint64_t delivered = 0, deferred = 0, dead = 0, skipped_done = 0, busy = 0, reclaimed = 0,
                  released = 0, rate_limited = 0, lease_lost = 0;
};

class worker {
public:
    worker(boost::asio::any_io_executor ex, redis::client& redis, transport& t, const clock& clk,
           worker_options opt);

    boost::asio::awaitable<void> run();
    void stop();
    bool stopping() const { return stopping_; }

    const worker_counters& counters() const { return counters_; }
    // Outcomes not written when run() returned (Redis gone past the drain
    // deadline): their entries are reclaimed by another worker.
    std::size_t unsettled() const { return settler_.pending(); }
    std::size_t in_flight() const { return in_flight_.size(); }

private:
    struct stream_ref {
        std::uint32_t shard;
        channel ch;
    };

    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> reclaim_loop();
    boost::asio::awaitable<void> schedule_loop();
    boost::asio::awaitable<void> drain();

    boost::asio::awaitable<void> take(const std::string& stream, const redis::reply& entries);
    boost::asio::awaitable<void> lease_and_send(std::vector<queued_message> batch);
    void hold_back(const queued_message& m, millis wait, std::string_view why);
    boost::asio::awaitable<void> deliver(queued_message m, std::shared_ptr<held_lease> lease);
    settle_record decide(const queued_message& m, const outcome& o);
    void dead(const queued_message& m, std::string reason, std::string detail);
    void report_final(const queued_message& m, const outcome& o, std::string_view status,
                      millis now);
    std::size_t room() const;  // sends that may start now
    boost::asio::awaitable<void> wait_for_capacity(std::size_t need);

    boost::asio::any_io_executor ex_;
    redis::client& redis_;
    // XREADGROUP ... BLOCK on its own connection: on the shared one it would
    // hold every claim and settle queued behind it for up to block_ms.
    std::unique_ptr<redis::client> reader_;
    transport& transport_;
    const clock& clock_;
    worker_options opt_;
    lease_keeper leases_;
    settler settler_;
    std::vector<std::string> streams_;
    std::unordered_map<std::string, stream_ref> stream_refs_;
    struct in_flight_entry {
        std::uint32_t shard;
        channel ch;
        std::string entry_id;
        std::shared_ptr<held_lease> lease;
        bool released = false;  // drain gave up on it: its outcome is not settled
    };
    std::unordered_map<std::string, in_flight_entry> in_flight_;  // sends running, by message id
    event wake_;  // capacity freed, a send finished, or stop requested
    // Only stop requested: the reclaimer's and scheduler's sleeps, which
    // must not run a round of calls per finished send.
    event stopped_;
    bool stopping_ = false;
    std::mt19937_64 rng_{std::random_device{}()};
    worker_counters counters_;
};

}  // namespace herald::queue
