// PLACEHOLDER until h5-queue-ops lands.
#include "queue/tenants.hpp"

#include "core/message.hpp"
#include "queue/keys.hpp"

namespace herald::queue {

namespace asio = boost::asio;

asio::awaitable<result<bool>> create_tenant(redis::client& redis, std::uint32_t,
                                            std::string_view tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto r = co_await redis.exec(redis::cmd("SADD", "hd:{t}:tenants", std::string(tenant)));
    if (!r) co_return r.error();
    co_return r->integer == 1;
}

asio::awaitable<result<std::vector<std::string>>> list_tenants(redis::client& redis) {
    auto r = co_await redis.exec(redis::cmd("SMEMBERS", "hd:{t}:tenants"));
    if (!r) co_return r.error();
    std::vector<std::string> out;
    for (const auto& e : r->elements)
        out.push_back(e.str);
    std::sort(out.begin(), out.end());
    co_return out;
}

asio::awaitable<result<bool>> tenant_exists(redis::client& redis, std::string_view tenant) {
    auto r = co_await redis.exec(redis::cmd("SISMEMBER", "hd:{t}:tenants", std::string(tenant)));
    if (!r) co_return r.error();
    co_return r->integer == 1;
}

asio::awaitable<result<void>> set_paused(redis::client& redis, std::uint32_t shards,
                                         std::string_view tenant, bool paused) {
    auto r = co_await redis.exec(redis::cmd("HSET", tenant_key(shard_of(tenant, shards), tenant),
                                            "paused", paused ? "1" : "0"));
    if (!r) co_return r.error();
    co_return result<void>{};
}

asio::awaitable<result<bool>> is_paused(redis::client& redis, std::uint32_t shards,
                                        std::string_view tenant) {
    auto r = co_await redis.exec(
        redis::cmd("HGET", tenant_key(shard_of(tenant, shards), tenant), "paused"));
    if (!r) co_return r.error();
    co_return r->str == "1";
}

}  // namespace herald::queue
