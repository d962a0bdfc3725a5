#include "api/tenant_admin.hpp"

#include "core/clock.hpp"
#include "dedupe/settings.hpp"
#include "queue/keys.hpp"
#include "queue/tenants.hpp"
#include "ratelimit/settings.hpp"
#include "smtp/settings.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace herald::api::tenant_admin {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::optional<tenant_setting> find_setting(std::string_view name) {
    for (const auto& s : all_settings())
        if (s.name == name) return s;
    return std::nullopt;
}

result<void> check_value(const tenant_setting& s, const std::string& v) {
    if (s.is_list) return {};
    if (!s.choices.empty()) {
        if (std::find(s.choices.begin(), s.choices.end(), v) != s.choices.end()) return {};
        return make_error(errc::invalid_argument, std::string(s.name) + " is one of a fixed list");
    }
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < s.min || n > s.max)
        return make_error(errc::invalid_argument, std::string(s.name) + " must be a number in " +
                                                      std::to_string(s.min) + ".." +
                                                      std::to_string(s.max));
    return {};
}

std::optional<std::string> breaker_letter(std::string_view k) {
    if (k == "content") return "c";
    if (k == "recipient") return "r";
    if (k == "tenant") return "t";
    return std::nullopt;
}

json::object to_object(const redis::reply& flat) {
    json::object o;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
        o[flat[i].str] = flat[i + 1].str;
    return o;
}

// A Redis function's answer: a count, or {"err", code, detail}.
result<std::int64_t> fcall_answer(const redis::reply& r) {
    if (r.is_array() && r.size() > 1 && r[0].str == "err")
        return error_from_name(r[1].str, r.size() > 2 ? r[2].str : "");
    return r.as_int().value_or(0);
}

asio::awaitable<result<void>> settings_call(redis::client& redis, std::uint32_t shards,
                                            std::string op, std::string tenant, std::string name,
                                            std::string value) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    const auto spec = find_setting(name);
    if (!spec)
        co_return at_field(make_error(errc::invalid_argument, "unknown setting " + name), name);
    if (op == "set")
        if (auto ok = check_value(*spec, value); !ok) co_return at_field(ok.error(), name);
    auto c = redis::cmd("FCALL", "herald_settings", "1",
                        queue::shard_prefix(queue::shard_of(tenant, shards)), op, tenant, name);
    if (op == "set") c.push_back(value);
    auto r = co_await redis.exec(std::move(c));
    if (!r) co_return r.error();
    if (auto a = fcall_answer(*r); !a) co_return a.error();
    co_return result<void>{};
}

}  // namespace

std::vector<tenant_setting> all_settings() {
    std::vector<tenant_setting> all;
    for (auto list : {dedupe::settings(), ratelimit::settings(), smtp::settings()})
        all.insert(all.end(), list.begin(), list.end());
    return all;
}

asio::awaitable<result<json::object>> show(redis::client& redis, std::uint32_t shards,
                                           std::string tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    const auto shard = queue::shard_of(tenant, shards);
    // The tenant's breakers from their index (bounded, like the tenant's
    // breakers), never from a scan of the keyspace.
    std::vector<redis::command> cmds{
        redis::cmd("HGETALL", queue::meta_key(shard)),
        redis::cmd("HGETALL", queue::tenant_key(shard, tenant)),
        redis::cmd("HGETALL", queue::stat_key(shard, tenant, wall_clock().now_ms() / 86400000)),
        redis::cmd("ZRANGE", queue::breaker_index_key(shard, tenant), "0", "-1")};
    auto r = co_await redis.pipeline(std::move(cmds));
    if (!r) co_return r.error();
    for (const auto& reply : *r)
        if (reply.is_error()) co_return redis::error_from_reply(reply);
    json::object defaults = to_object((*r)[0]);
    json::object own = to_object((*r)[1]);
    json::object effective;
    for (const auto& s : all_settings()) {
        if (auto* v = own.if_contains(s.name))
            effective[s.name] = *v;
        else if (auto* d = defaults.if_contains(s.name))
            effective[s.name] = *d;
    }
    std::vector<redis::command> reads;
    for (const auto& key : (*r)[3].elements)
        reads.push_back(redis::cmd("HGETALL", key.str));
    auto found = co_await redis.pipeline(std::move(reads));
    if (!found) co_return found.error();
    json::array breakers;
    for (std::size_t i = 0; i < found->size(); ++i) {
        if ((*found)[i].size() == 0) continue;  // expired since it was indexed
        json::object o = to_object((*found)[i]);
        o["key"] = (*r)[3][i].str;
        breakers.push_back(std::move(o));
    }
    auto paused = co_await queue::is_paused(redis, shards, tenant);
    if (!paused) co_return paused.error();
    co_return json::object{{"tenant", tenant},     {"settings", effective},
                           {"overrides", own},     {"today", to_object((*r)[2])},
                           {"breakers", breakers}, {"paused", *paused}};
}

asio::awaitable<result<void>> set(redis::client& redis, std::uint32_t shards, std::string tenant,
                                  std::string name, std::string value) {
    return settings_call(redis, shards, "set", std::move(tenant), std::move(name),
                         std::move(value));
}

asio::awaitable<result<void>> unset(redis::client& redis, std::uint32_t shards, std::string tenant,
                                    std::string name) {
    return settings_call(redis, shards, "unset", std::move(tenant), std::move(name), {});
}

asio::awaitable<result<std::int64_t>> breaker(redis::client& redis, std::uint32_t shards,
                                              std::string tenant, std::string action,
                                              std::string kind, std::string subject,
                                              std::uint64_t seconds) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    std::string letter = "*";
    if (!kind.empty()) {
        auto k = breaker_letter(kind);
        if (!k)
            co_return at_field(
                make_error(errc::invalid_argument, "a breaker is content, recipient or tenant"),
                "kind");
        letter = *k;
    }
    if (action == "open" && letter == "*")
        co_return at_field(make_error(errc::invalid_argument, "open names one kind"), "kind");
    if (letter != "t" && letter != "*" && subject.empty())
        co_return at_field(
            make_error(errc::invalid_argument, "content and recipient breakers need a subject"),
            "subject");
    auto r = co_await redis.exec(
        redis::cmd("FCALL", "herald_breaker", "1",
                   queue::shard_prefix(queue::shard_of(tenant, shards)), action, tenant, letter,
                   subject, std::to_string(seconds), std::to_string(wall_clock().now_ms())));
    if (!r) co_return r.error();
    co_return fcall_answer(*r);
}

}  // namespace herald::api::tenant_admin
