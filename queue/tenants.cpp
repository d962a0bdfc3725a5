#include "queue/tenants.hpp"

#include "core/message.hpp"
#include "queue/contract.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"

#include <algorithm>

namespace herald::queue {

namespace {

constexpr std::string_view paused_setting = "send.paused";

}  // namespace

boost::asio::awaitable<result<bool>> create_tenant(redis::client& redis, std::string_view tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto r = co_await call_function(
        redis, redis::cmd("FCALL", "herald_tenant_create", "1", tenants_key(), tenant,
                          std::to_string(contract::tenants_max)));
    if (!r) co_return r.error();
    co_return r->as_int().value_or(0) == 1;
}

boost::asio::awaitable<result<std::vector<std::string>>> list_tenants(redis::client& redis) {
    auto r = co_await redis.exec(redis::cmd("SMEMBERS", tenants_key()));
    if (!r) co_return r.error();
    std::vector<std::string> out;
    out.reserve(r->size());
    for (const auto& e : r->elements)
        out.push_back(e.str);
    std::sort(out.begin(), out.end());
    co_return out;
}

boost::asio::awaitable<result<bool>> tenant_exists(redis::client& redis, std::string_view tenant) {
    auto r = co_await redis.exec(redis::cmd("SISMEMBER", tenants_key(), tenant));
    if (!r) co_return r.error();
    co_return r->integer == 1;
}

// Through herald_settings, which bumps the shard's settings version: the
// claim's gate reads the new value on its next call.
boost::asio::awaitable<result<void>> set_paused(redis::client& redis, std::uint32_t shards,
                                                std::string_view tenant, bool paused) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    const std::string shard = shard_prefix(shard_of(tenant, shards));
    redis::command c =
        paused
            ? redis::cmd("FCALL", "herald_settings", "1", shard, "set", tenant, paused_setting, "1")
            : redis::cmd("FCALL", "herald_settings", "1", shard, "unset", tenant, paused_setting);
    auto r = co_await call_function(redis, std::move(c));
    if (!r) co_return r.error();
    co_return result<void>{};
}

boost::asio::awaitable<result<bool>> is_paused(redis::client& redis, std::uint32_t shards,
                                               std::string_view tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto r = co_await redis.exec(
        redis::cmd("HGET", tenant_key(shard_of(tenant, shards), tenant), paused_setting));
    if (!r) co_return r.error();
    co_return !r->is_nil() && r->str == "1";
}

}  // namespace herald::queue
