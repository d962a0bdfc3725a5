// TEMPORARY until the guard branch lands (h9-guard owns this file).
#pragma once

#include "core/error.hpp"
#include "queue/redis_client.hpp"

namespace herald::domains {

boost::asio::awaitable<result<void>> publish_sender_state(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          std::string_view domain,
                                                          std::string_view state);

}  // namespace herald::domains
