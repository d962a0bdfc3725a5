#include "queue/suppressions.hpp"

#include "core/message.hpp"
#include "queue/errors.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"
#include "queue/outcome_policy.hpp"

#include <algorithm>

namespace herald::queue {

namespace {

constexpr std::size_t max_page = 1000;

}  // namespace

boost::asio::awaitable<result<suppression_page>> list_suppressions(redis::client& redis,
                                                                   std::uint32_t shards,
                                                                   std::string_view tenant,
                                                                   std::string_view cursor,
                                                                   std::size_t limit) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    limit = std::clamp<std::size_t>(limit, 1, max_page);
    auto r = co_await call_function(redis, redis::cmd("FCALL", "herald_suppressions", "1",
                                                      shard_prefix(shard_of(tenant, shards)), "",
                                                      tenant, cursor, std::to_string(limit)));
    if (!r) co_return r.error();
    // {next cursor, (address reason created expires)...}
    if (r->size() < 1 || (r->size() - 1) % 4 != 0)
        co_return make_error(queue_errc::protocol, "bad herald_suppressions answer");
    suppression_page page;
    page.next_cursor = (*r)[0].str;
    for (std::size_t i = 1; i + 3 < r->size(); i += 4)
        page.items.push_back(
            {(*r)[i].str, (*r)[i + 1].str, number_at(*r, i + 2), number_at(*r, i + 3)});
    co_return page;
}

boost::asio::awaitable<result<void>> add_suppressions(redis::client& redis, std::uint32_t shards,
                                                      std::string_view tenant,
                                                      const std::vector<std::string>& recipients,
                                                      std::string_view reason, std::uint64_t ttl_s,
                                                      std::uint32_t cap) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    if (ttl_s == 0) co_return make_error(errc::invalid_argument, "a suppression needs a TTL");
    if (recipients.empty()) co_return result<void>{};
    redis::command c =
        redis::cmd("FCALL", "herald_suppress", "1", shard_prefix(shard_of(tenant, shards)), "",
                   std::to_string(ttl_s), std::to_string(cap), tenant, excerpt(reason));
    c.insert(c.end(), recipients.begin(), recipients.end());
    auto r = co_await call_function(redis, std::move(c));
    if (!r) co_return r.error();
    co_return result<void>{};
}

boost::asio::awaitable<result<void>> add_suppression(redis::client& redis, std::uint32_t shards,
                                                     std::string_view tenant,
                                                     std::string_view recipient,
                                                     std::string_view reason, std::uint64_t ttl_s) {
    if (recipient.empty() || recipient.size() > 320)
        co_return make_error(errc::invalid_argument, "recipient must be 1-320 bytes");
    const std::vector<std::string> one{std::string(recipient)};
    auto r = co_await add_suppressions(redis, shards, tenant, one, reason, ttl_s);
    co_return r;
}

boost::asio::awaitable<result<bool>> remove_suppression(redis::client& redis, std::uint32_t shards,
                                                        std::string_view tenant,
                                                        std::string_view recipient) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto r = co_await call_function(
        redis, redis::cmd("FCALL", "herald_unsuppress", "1", shard_prefix(shard_of(tenant, shards)),
                          "", tenant, recipient));
    if (!r) co_return r.error();
    co_return r->as_int().value_or(0) > 0;
}

}  // namespace herald::queue
