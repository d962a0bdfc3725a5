// One call of a herald Redis Function for the operations the HTTP API
// needs (status, suppressions, dead letters, tenants): FCALL, the library
// loaded again once if Redis lost it, and a refusal the function answers
// as {"err", code, detail[, retry after]} turned into that error.
//
// Errors: queue_errc for Redis trouble, the function's own code otherwise;
// an answer that is not an array is `protocol`.
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

namespace herald::queue {

boost::asio::awaitable<result<redis::reply>> call_function(redis::client& redis,
                                                           redis::command cmd);

// The reply's element i as a number (Lua numbers come back as integers or
// strings), 0 when it is neither.
std::int64_t number_at(const redis::reply& r, std::size_t i);

}  // namespace herald::queue
