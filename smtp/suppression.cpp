#include "smtp/suppression.hpp"

#include "queue/keys.hpp"

#include <algorithm>
#include <cctype>

namespace herald::smtp {

namespace {

// The domain is case-insensitive, the local part is not (RFC 5321 §2.4).
std::string normalized(std::string_view rcpt) {
    std::string out(rcpt);
    const auto at = out.rfind('@');
    if (at != std::string::npos)
        std::transform(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                       out.begin() + static_cast<std::ptrdiff_t>(at),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::string suppression_list::key(std::string_view tenant, std::string_view rcpt) const {
    return queue::suppression_key(queue::shard_of(tenant, shards_), tenant, normalized(rcpt));
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
    std::vector<redis::command> cmds;
    for (const auto& r : rcpts)
        cmds.push_back(
            redis::cmd("SET", key(tenant, r), reason, "EX", std::to_string(ttl_.count())));
    if (cmds.empty()) co_return result<void>{};
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r) co_return r.error();
    co_return result<void>{};
}

boost::asio::awaitable<result<void>> suppression_list::remove(std::string_view tenant,
                                                              std::string_view rcpt) {
    auto r = co_await redis_.exec(redis::cmd("DEL", key(tenant, rcpt)));
    if (!r) co_return r.error();
    co_return result<void>{};
}

}  // namespace herald::smtp
