// The consumer group's members: each `herald work` start reads under a new
// consumer name (host:pid), and Redis keeps every name until someone runs
// XGROUP DELCONSUMER. A worker removes its own name when it stops cleanly,
// after its drain; its reclaimer removes the names of workers gone.
//
// Only a consumer with no pending entries is ever removed: DELCONSUMER
// drops its pending list, and those entries would never be delivered
// again. The check and the removal are one call (herald_forget_consumers
// in queue/lua/worker.lua), so no read can slip between them. Other
// workers' consumers must also be idle for queue.consumer_idle_ms (above
// reclaim_idle_ms): a live worker reads every block_ms, so it is never
// that idle, and one removed anyway costs nothing: its next read creates
// it again.
//
// Errors: none returned; Redis trouble is logged and the next round tries
// again. Limits: one call per ingress stream, pipelined.
#pragma once

#include "queue/redis_client.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace herald::queue {

// Removes `consumer` from the group of each stream where it holds no
// pending entries. Answers how many removals were made.
boost::asio::awaitable<std::size_t> forget_consumer(redis::client& redis,
                                                    const std::vector<std::string>& streams,
                                                    const std::string& consumer);

// Removes every consumer but `self` idle for at least `idle` with no
// pending entries. Answers how many removals were made.
boost::asio::awaitable<std::size_t> forget_idle_consumers(redis::client& redis,
                                                          const std::vector<std::string>& streams,
                                                          const std::string& self,
                                                          std::chrono::milliseconds idle);

}  // namespace herald::queue
