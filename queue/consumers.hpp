// The consumer group's members: each `herald work` start reads under a new
// consumer name (host:pid), and Redis keeps every name until someone runs
// XGROUP DELCONSUMER. A worker removes its own name when it stops cleanly,
// after its drain; its reclaimer removes the names of workers gone.
//
// Only a consumer with no pending entries is ever removed: DELCONSUMER
// drops its pending list, and those entries would never be delivered
// again. The check (XINFO CONSUMERS) and the removal are two commands, so
// the rule for other workers' consumers adds an idle time far beyond any
// live worker's gap between two reads (queue.consumer_idle_ms, above
// reclaim_idle_ms): a live worker's XREADGROUP and its lease renewals keep
// its consumer's idle time near block_ms. A consumer removed while its
// worker still lives costs nothing: its next read creates it again.
//
// Errors: none returned; Redis trouble is logged and the next round tries
// again. Limits: one XINFO CONSUMERS per ingress stream per call.
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
