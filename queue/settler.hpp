// Writes outcomes back to Redis. Outcomes queue up here as they happen and
// go out as one herald_settle call per shard and channel, pipelined, in the
// next round trip: a delivered message is marked within one round trip of
// its send (the window in which a crash could cause a resend), while a busy
// worker still pays one round trip for many messages.
//
// Settling is idempotent (a second XACK/XDEL/SET changes nothing, a
// deferral whose entry is gone is skipped), so a batch whose answer was
// lost is simply sent again until Redis takes it. It is fenced: a record
// for a message whose lease another worker holds now is skipped
// (queue/lua/worker.lua) and logged (settle.fenced). Once a record is
// written, on_written(record) is called: the worker stops renewing its lease.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>

namespace herald::queue {

struct settle_record {
    enum class kind : char {
        delivered = 'D',  // extra = "<tenant>|<payload bytes>|<admitted>|<attempts>|<d or u>|
                          // <reply>" (u: unknown outcome), released from its quota
        ack = 'A',        // seen delivered before: acknowledge only; "<tenant>|<payload bytes>"
        deferred = 'R',   // extra = "<due_ms>|<history line>"
        limited = 'L',    // extra = "<due_ms>|<reason>": held back, no attempt used
        dead = 'X',       // extra = "<reason>|<failed attempts>|<detail>"
        release = 'U',    // release the lease only; the entry is reclaimed later
    };
    kind what;
    std::string entry_id;
    std::string id;
    std::string extra = "-";
};

struct settle_options {
    std::uint64_t delivered_ttl_s = 604800;
    std::uint32_t dead_max = 100000;
    std::size_t max_records_per_call = 256;
    std::string consumer;  // the lease holder the records are fenced by
};

class settler {
public:
    settler(boost::asio::any_io_executor ex, redis::client& redis, const clock& clk,
            settle_options opt, std::function<void(const settle_record&)> on_written = {});

    void add(std::uint32_t shard, channel ch, settle_record r);
    // Runs until close() was called and everything queued is written, or,
    // when Redis does not take it, until the close deadline: what is left
    // then is given up (logged, counted in pending()); those entries stay
    // pending in Redis and are reclaimed once their leases lapse.
    boost::asio::awaitable<void> run();
    void close(std::chrono::steady_clock::time_point deadline);
    std::size_t pending() const { return pending_; }

private:
    using group_key = std::pair<std::uint32_t, channel>;
    boost::asio::awaitable<bool> flush(std::map<group_key, std::vector<settle_record>>& work);

    redis::client& redis_;
    const clock& clock_;
    settle_options opt_;
    std::map<group_key, std::vector<settle_record>> queue_;
    std::function<void(const settle_record&)> on_written_;
    std::size_t pending_ = 0;
    boost::asio::steady_timer signal_;
    bool closed_ = false;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace herald::queue
