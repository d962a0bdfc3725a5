#include "queue/library.hpp"

#include "queue/contract.hpp"
#include "queue/keys.hpp"

namespace herald::embedded {
extern const std::string_view herald_lua;
}

namespace herald::queue {

std::string_view library_source() {
    return embedded::herald_lua;
}

boost::asio::awaitable<result<void>> load_library(redis::client& redis) {
    // Never replace the library of a newer herald: its callers would meet
    // this process's argument layouts. (A library without herald_protocol
    // is older than protocol 2.)
    auto loaded = co_await redis.exec(redis::cmd("FCALL_RO", "herald_protocol", "0"));
    if (loaded && loaded->integer > contract::protocol)
        co_return make_error(errc::invalid_argument,
                             "this Redis runs herald's library of protocol " +
                                 std::to_string(loaded->integer) + ", newer than this process's " +
                                 std::to_string(contract::protocol) + ": upgrade this process");
    redis::command load{"FUNCTION", "LOAD", "REPLACE", std::string(library_source())};
    auto r = co_await redis.exec(std::move(load));
    if (!r) co_return r.error();
    co_return result<void>{};
}

boost::asio::awaitable<result<void>> init_shards(redis::client& redis, const queue_config& q) {
    // A different shard count would move tenants to other shards and strand
    // what is queued: that is a migration, never a side effect of start-up.
    redis::command get_shards{"HGET", meta_key(0), "shards"};
    auto have = co_await redis.exec(std::move(get_shards));
    if (!have) co_return have.error();
    if (!have->is_nil() && have->str != std::to_string(q.shards))
        co_return make_error(errc::invalid_argument,
                             "queue.shards is " + std::to_string(q.shards) +
                                 " but this Redis holds " + have->str +
                                 " shards; keep the count or migrate the data");
    std::vector<redis::command> cmds;
    for (std::uint32_t s = 0; s < q.shards; ++s) {
        cmds.push_back({"HSET", meta_key(s), "shard", std::to_string(s), "shards",
                        std::to_string(q.shards), "max_bytes", std::to_string(q.max_message_bytes),
                        "max_age_ms", std::to_string(q.max_age_s * 1000), "max_recipients",
                        std::to_string(message_limits{}.max_recipients), "schema", "1"});
        cmds.push_back({"HINCRBY", meta_key(s), "settings_version", "1"});
        for (auto ch : {channel::email, channel::sms})
            cmds.push_back(
                {"XGROUP", "CREATE", ingress_key(s, ch), std::string(group_name), "0", "MKSTREAM"});
    }
    auto r = co_await redis.pipeline(std::move(cmds));
    if (!r) co_return r.error();
    for (const auto& rep : *r)
        if (rep.is_error() && !rep.str.starts_with("BUSYGROUP"))
            co_return redis::error_from_reply(rep);
    co_return result<void>{};
}

boost::asio::awaitable<result<void>> publish_settings(
    redis::client& redis, std::uint32_t shards,
    const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<redis::command> cmds;
    for (std::uint32_t s = 0; s < shards; ++s) {
        redis::command c{"HSET", meta_key(s)};
        for (const auto& [k, v] : fields)
            c.insert(c.end(), {k, v});
        cmds.push_back(std::move(c));
        // After the values: a call in between must not cache the old ones
        // under the new version.
        cmds.push_back({"HINCRBY", meta_key(s), "settings_version", "1"});
    }
    auto r = co_await redis.pipeline(std::move(cmds));
    if (!r) co_return r.error();
    for (const auto& rep : *r)
        if (rep.is_error()) co_return redis::error_from_reply(rep);
    co_return result<void>{};
}

bool is_function_missing(const error& e) {
    return e.detail.find("Function not found") != std::string::npos;
}

}  // namespace herald::queue
