// TEMPORARY until the guard branch lands (h9-guard owns this file).
#include "domains/sender_state.hpp"

#include "queue/keys.hpp"

namespace herald::domains {

boost::asio::awaitable<result<void>> publish_sender_state(redis::client& redis,
                                                          std::uint32_t shards,
                                                          std::string_view tenant,
                                                          std::string_view domain,
                                                          std::string_view state) {
    const auto shard = queue::shard_of(tenant, shards);
    std::vector<redis::command> tx{
        redis::cmd("MULTI"),
        state.empty() ? redis::cmd("HDEL", queue::senders_key(shard, tenant), domain)
                      : redis::cmd("HSET", queue::senders_key(shard, tenant), domain, state),
        redis::cmd("HINCRBY", queue::meta_key(shard), "settings_version", "1"), redis::cmd("EXEC")};
    auto r = co_await redis.pipeline(std::move(tx));
    if (!r) co_return r.error();
    co_return result<void>{};
}

}  // namespace herald::domains
