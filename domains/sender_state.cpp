#include "domains/sender_state.hpp"

#include "core/message.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"

namespace herald::domains {

std::string regressed_state(std::int64_t block_at_ms) {
    return "regressed:" + std::to_string(block_at_ms);
}

boost::asio::awaitable<result<void>> publish_sender_state(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          std::string_view domain,
                                                          std::string_view state) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto c = redis::cmd("FCALL", "herald_sender_state", "1",
                        queue::shard_prefix(queue::shard_of(tenant, shards)), std::string(tenant),
                        std::string(domain), std::string(state));
    auto r = co_await queue::call_function(redis, std::move(c));
    if (!r) co_return r.error();
    co_return result<void>{};
}

}  // namespace herald::domains
