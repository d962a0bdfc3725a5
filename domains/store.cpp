#include "domains/store.hpp"

#include "core/error.hpp"
#include "domains/errors.hpp"
#include "domains/sender_state.hpp"
#include "queue/keys.hpp"

#include <boost/json/serialize.hpp>

namespace herald::domains {

namespace asio = boost::asio;

namespace {

constexpr std::string_view k_doc = "doc", k_version = "v", k_key_prefix = "key:";

std::string check_member(std::string_view tenant, std::string_view domain) {
    return std::string(tenant) + " " + std::string(domain);
}

// The replies of a MULTI ... EXEC pipeline: the first Redis error, if any.
result<void> transaction_result(const std::vector<redis::reply>& replies) {
    for (const auto& r : replies)
        if (r.is_error()) return redis::error_from_reply(r);
    if (replies.empty() || replies.back().is_nil())
        return make_error(errc::unavailable, "Redis aborted the transaction");
    return {};
}

}  // namespace

asio::awaitable<result<void>> store::create(const sender_domain& d, const sealed_keys& keys,
                                            std::uint32_t max_domains) {
    const auto shard = queue::shard_of(d.tenant, shards_);
    auto have = co_await redis_.exec(redis::cmd("HLEN", queue::senders_key(shard, d.tenant)));
    if (!have) co_return have.error();
    if (have->integer >= max_domains)
        co_return make_error(errc::domain_limit,
                             d.tenant + " has " + std::to_string(have->integer) +
                                 " domains, the limit (domains.max_per_tenant)");
    const auto key = queue::domain_key(shard, d.tenant, d.name);
    auto made =
        co_await redis_.exec(redis::cmd("HSETNX", key, k_doc, boost::json::serialize(to_json(d))));
    if (!made) co_return made.error();
    if (made->integer != 1)
        co_return make_error(domain_errc::domain_exists, d.tenant + " has " + d.name + " already");
    co_return co_await save(d, keys, d.created_ms);
}

asio::awaitable<result<void>> store::save(const sender_domain& d, const sealed_keys& keys,
                                          std::int64_t next_check_ms) {
    const auto shard = queue::shard_of(d.tenant, shards_);
    const auto key = queue::domain_key(shard, d.tenant, d.name);
    auto fields = co_await redis_.exec(redis::cmd("HKEYS", key));
    if (!fields) co_return fields.error();
    std::vector<redis::command> tx{redis::cmd("MULTI")};
    redis::command set = redis::cmd("HSET", key, k_doc, boost::json::serialize(to_json(d)));
    for (const auto& [selector, sealed] : keys) {
        set.push_back(std::string(k_key_prefix) + selector);
        set.push_back(sealed);
    }
    tx.push_back(std::move(set));
    for (const auto& f : fields->elements)
        if (f.str.starts_with(k_key_prefix) &&
            !d.selector(std::string_view(f.str).substr(k_key_prefix.size())))
            tx.push_back(redis::cmd("HDEL", key, f.str));
    tx.push_back(redis::cmd("HINCRBY", key, k_version, "1"));
    if (next_check_ms > 0)
        tx.push_back(redis::cmd("ZADD", queue::domain_checks_key(shard),
                                std::to_string(next_check_ms), check_member(d.tenant, d.name)));
    tx.push_back(redis::cmd("EXEC"));
    auto replies = co_await redis_.pipeline(std::move(tx));
    if (!replies) co_return replies.error();
    if (auto ok = transaction_result(*replies); !ok) co_return ok.error();
    co_return co_await publish_sender_state(redis_, shards_, d.tenant, d.name, d.published_state());
}

asio::awaitable<result<std::optional<sender_domain>>> store::find(std::string_view tenant,
                                                                  std::string_view domain) {
    const auto shard = queue::shard_of(tenant, shards_);
    auto r =
        co_await redis_.exec(redis::cmd("HGET", queue::domain_key(shard, tenant, domain), k_doc));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<sender_domain>{};
    auto d = sender_domain_from_json(r->str);
    if (!d) co_return d.error();
    co_return std::optional<sender_domain>(std::move(*d));
}

asio::awaitable<result<std::map<std::string, std::string>>> store::list(std::string_view tenant) {
    const auto shard = queue::shard_of(tenant, shards_);
    auto r = co_await redis_.exec(redis::cmd("HGETALL", queue::senders_key(shard, tenant)));
    if (!r) co_return r.error();
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < r->size(); i += 2)
        out.emplace((*r)[i].str, (*r)[i + 1].str);
    co_return out;
}

asio::awaitable<result<std::string>> store::sealed_key(std::string_view tenant,
                                                       std::string_view domain,
                                                       std::string_view selector) {
    const auto shard = queue::shard_of(tenant, shards_);
    auto r = co_await redis_.exec(redis::cmd("HGET", queue::domain_key(shard, tenant, domain),
                                             std::string(k_key_prefix) + std::string(selector)));
    if (!r) co_return r.error();
    co_return std::move(r->str);
}

asio::awaitable<result<std::int64_t>> store::version(std::string_view tenant,
                                                     std::string_view domain) {
    const auto shard = queue::shard_of(tenant, shards_);
    auto r = co_await redis_.exec(
        redis::cmd("HGET", queue::domain_key(shard, tenant, domain), k_version));
    if (!r) co_return r.error();
    co_return r->as_int().value_or(0);
}

asio::awaitable<result<bool>> store::remove(std::string_view tenant, std::string_view domain) {
    const auto shard = queue::shard_of(tenant, shards_);
    // Admission stops taking its mail first; then the keys go.
    if (auto ok = co_await publish_sender_state(redis_, shards_, tenant, domain, ""); !ok)
        co_return ok.error();
    std::vector<redis::command> tx{
        redis::cmd("MULTI"), redis::cmd("DEL", queue::domain_key(shard, tenant, domain)),
        redis::cmd("ZREM", queue::domain_checks_key(shard), check_member(tenant, domain)),
        redis::cmd("EXEC")};
    auto replies = co_await redis_.pipeline(std::move(tx));
    if (!replies) co_return replies.error();
    if (auto ok = transaction_result(*replies); !ok) co_return ok.error();
    const auto& exec = replies->back();
    co_return exec.size() == 2 && exec[0].integer == 1;
}

asio::awaitable<result<std::vector<due_check>>> store::due(std::uint32_t shard, std::int64_t now_ms,
                                                           std::size_t limit) {
    auto r = co_await redis_.exec(redis::cmd("ZRANGE", queue::domain_checks_key(shard), "-inf",
                                             std::to_string(now_ms), "BYSCORE", "LIMIT", "0",
                                             std::to_string(limit)));
    if (!r) co_return r.error();
    std::vector<due_check> out;
    for (const auto& e : r->elements) {
        const auto sp = e.str.find(' ');
        if (sp == std::string::npos) continue;
        out.push_back({e.str.substr(0, sp), e.str.substr(sp + 1)});
    }
    co_return out;
}

asio::awaitable<result<bool>> store::lease_check(const due_check& c, std::string_view holder,
                                                 std::uint32_t ms) {
    const auto shard = queue::shard_of(c.tenant, shards_);
    auto r =
        co_await redis_.exec(redis::cmd("SET", queue::domain_lease_key(shard, c.tenant, c.domain),
                                        holder, "NX", "PX", std::to_string(ms)));
    if (!r) co_return r.error();
    co_return !r->is_nil();
}

asio::awaitable<void> store::release_check(const due_check& c, bool forget) {
    const auto shard = queue::shard_of(c.tenant, shards_);
    // A failed call leaves the lease to expire by itself, and the check to
    // be looked at again.
    std::vector<redis::command> cmds{
        redis::cmd("DEL", queue::domain_lease_key(shard, c.tenant, c.domain))};
    if (forget)
        cmds.push_back(
            redis::cmd("ZREM", queue::domain_checks_key(shard), check_member(c.tenant, c.domain)));
    co_await redis_.pipeline(std::move(cmds));
}

}  // namespace herald::domains
