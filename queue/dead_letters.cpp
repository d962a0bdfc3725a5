#include "queue/dead_letters.hpp"

#include "core/message.hpp"
#include "queue/contract.hpp"
#include "queue/errors.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"

#include <algorithm>

namespace herald::queue {

namespace {

constexpr std::size_t max_page = 1000;
// Calls one list request may make to fill its page: bounds its time on a
// shard whose dead letters are mostly other tenants'.
constexpr int max_list_calls = 8;

// A cursor is a stream entry id ("<ms>-<seq>") a page gave, or empty.
bool valid_cursor(std::string_view c) {
    return c.empty() || message_id::from_entry(c, channel::email, 0).has_value();
}

result<void> check(std::string_view tenant, std::string_view cursor) {
    if (auto ok = validate_tenant(tenant); !ok) return ok.error();
    if (!valid_cursor(cursor))
        return make_error(errc::invalid_argument, "cursor must be one a page gave");
    return {};
}

// Appends the items of one herald_dead_list answer; answers its cursor.
result<std::string> take_page(const redis::reply& r, dead_page& page) {
    // {next cursor, (id reason detail died attempts)...}
    if (r.size() < 1 || (r.size() - 1) % 5 != 0)
        return make_error(queue_errc::protocol, "bad herald_dead_list answer");
    for (std::size_t i = 1; i + 4 < r.size(); i += 5) {
        auto id = message_id::parse(r[i].str);
        if (!id) continue;  // a dead letter of an unreadable entry has no id to act on
        page.items.push_back(
            {*id, r[i + 1].str, r[i + 2].str, number_at(r, i + 3),
             static_cast<std::uint32_t>(std::max<std::int64_t>(0, number_at(r, i + 4)))});
    }
    return r[0].str;
}

}  // namespace

boost::asio::awaitable<result<dead_page>> list_dead(redis::client& redis, std::uint32_t shards,
                                                    std::string_view tenant,
                                                    std::string_view cursor, std::size_t limit) {
    if (auto ok = check(tenant, cursor); !ok) co_return ok.error();
    limit = std::clamp<std::size_t>(limit, 1, max_page);
    const std::string shard = shard_prefix(shard_of(tenant, shards));
    dead_page page;
    std::string at(cursor);
    for (int call = 0; call < max_list_calls; ++call) {
        auto r = co_await call_function(
            redis, redis::cmd("FCALL", "herald_dead_list", "1", shard, tenant, at,
                              std::to_string(limit - page.items.size()),
                              std::to_string(contract::dead_scan)));
        if (!r) co_return r.error();
        auto next = take_page(*r, page);
        if (!next) co_return next.error();
        at = std::move(*next);
        if (at.empty() || page.items.size() >= limit) break;
    }
    page.next_cursor = at;
    co_return page;
}

boost::asio::awaitable<result<bool>> requeue_dead(redis::client& redis, std::uint32_t shards,
                                                  std::string_view tenant, const message_id& id) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    if (id.shard >= shards || shard_of(tenant, shards) != id.shard) co_return false;
    // The service's clock, not the caller's: the new max age is Redis' time.
    auto r = co_await call_function(
        redis, redis::cmd("FCALL", "herald_dead_requeue", "1", shard_prefix(id.shard), tenant,
                          id.str(), "", std::to_string(contract::dead_scan)));
    if (!r) co_return r.error();
    co_return r->size() >= 1 && (*r)[0].str == "ok";
}

boost::asio::awaitable<result<std::uint64_t>> purge_dead(redis::client& redis, std::uint32_t shards,
                                                         std::string_view tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    const std::string shard = shard_prefix(shard_of(tenant, shards));
    std::uint64_t deleted = 0;
    std::string at;
    do {
        auto r = co_await call_function(
            redis, redis::cmd("FCALL", "herald_dead_purge", "1", shard, tenant, at,
                              std::to_string(contract::dead_scan)));
        if (!r) co_return r.error();
        if (r->size() != 2)
            co_return make_error(queue_errc::protocol, "bad herald_dead_purge answer");
        deleted += static_cast<std::uint64_t>(std::max<std::int64_t>(0, number_at(*r, 1)));
        at = (*r)[0].str;
    } while (!at.empty());
    co_return deleted;
}

}  // namespace herald::queue
