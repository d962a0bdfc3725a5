#include "smtp/suppression.hpp"

#include "dedupe/content_hash.hpp"
#include "queue/keys.hpp"
#include "queue/suppressions.hpp"

namespace herald::smtp {

std::string suppression_list::key(std::string_view tenant, std::string_view rcpt) const {
    // The normalisation herald_suppress applies (its Lua twin), so the
    // check finds what the bounce path and the API wrote.
    return queue::suppression_key(queue::shard_of(tenant, shards_), tenant,
                                  dedupe::normalize_address(rcpt));
}

redis::command suppression_list::lookup(std::string_view tenant,
                                        const std::vector<std::string>& rcpts) const {
    redis::command mget{"MGET"};
    for (const auto& r : rcpts)
        mget.push_back(key(tenant, r));
    return mget;
}

std::vector<bool> suppression_list::suppressed(const redis::reply& mget) {
    std::vector<bool> out;
    for (const auto& e : mget.elements)
        out.push_back(!e.is_nil());
    return out;
}

boost::asio::awaitable<result<std::vector<bool>>> suppression_list::check(
    std::string_view tenant, const std::vector<std::string>& rcpts) {
    if (rcpts.empty()) co_return std::vector<bool>{};
    auto r = co_await redis_.exec(lookup(tenant, rcpts));
    if (!r) co_return r.error();
    co_return suppressed(*r);
}

boost::asio::awaitable<result<void>> suppression_list::add(std::string_view tenant,
                                                           const std::vector<std::string>& rcpts,
                                                           std::string_view reason) {
    auto r = co_await queue::add_suppressions(redis_, shards_, tenant, rcpts, reason,
                                              static_cast<std::uint64_t>(ttl_.count()));
    co_return r;
}

boost::asio::awaitable<result<void>> suppression_list::remove(std::string_view tenant,
                                                              std::string_view rcpt) {
    auto r = co_await queue::remove_suppression(redis_, shards_, tenant, rcpt);
    if (!r) co_return r.error();
    co_return result<void>{};
}

}  // namespace herald::smtp
