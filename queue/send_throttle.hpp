// A limit the worker asks after it holds a message's lease and before it
// sends: those the claim cannot decide in Redis alone (a destination
// domain is shared by every tenant and shard). ratelimit/ implements it;
// app/ gives it to the worker.
//
// Error contract: waits() never fails. A limiter it cannot reach lets the
// sends go (a missing limit must not stall delivery).
#pragma once

#include "core/clock.hpp"
#include "queue/stream_entry.hpp"

#include <boost/asio/awaitable.hpp>

#include <vector>

namespace herald::queue {

class send_throttle {
public:
    virtual ~send_throttle() = default;
    // For each message, in order, how long it must wait (0: send now).
    virtual boost::asio::awaitable<std::vector<millis>> waits(
        const std::vector<const queued_message*>& messages) = 0;
};

}  // namespace herald::queue
