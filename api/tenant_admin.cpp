#include "api/tenant_admin.hpp"

#include "core/clock.hpp"
#include "dedupe/settings.hpp"
#include "domains/settings.hpp"
#include "ops/settings.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"
#include "ratelimit/settings.hpp"
#include "sms/settings.hpp"
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

// A list is split as the Redis functions split it: on commas and spaces.
result<void> check_list(const tenant_setting& s, std::string_view v) {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < v.size();) {
        const auto end = std::min(v.find_first_of(", \t\r\n", i), v.size());
        const auto entry = v.substr(i, end - i);
        i = end + 1;
        if (entry.empty()) continue;
        if (s.max > 0 && ++n > s.max)
            return make_error(errc::invalid_argument, std::string(s.name) + " holds at most " +
                                                          std::to_string(s.max) + " entries");
        if (const char* why = s.bad_entry ? s.bad_entry(entry) : nullptr)
            return make_error(errc::invalid_argument,
                              std::string(s.name) + ": " + std::string(entry) + " " + why);
    }
    return {};
}

result<void> check_value(const tenant_setting& s, const std::string& v) {
    if (s.is_list) return check_list(s, v);
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

asio::awaitable<result<std::int64_t>> count_call(redis::client& redis, redis::command c) {
    auto r = co_await queue::call_function(redis, std::move(c));
    if (!r) co_return r.error();
    co_return r->as_int().value_or(0);
}

}  // namespace

result<void> check_setting(std::string_view name, const std::optional<std::string>& value) {
    const auto spec = find_setting(name);
    if (!spec)
        return at_field(make_error(errc::invalid_argument, "unknown setting " + std::string(name)),
                        std::string(name));
    if (value)
        if (auto ok = check_value(*spec, *value); !ok)
            return at_field(ok.error(), std::string(name));
    return {};
}

asio::awaitable<result<void>> change(redis::client& redis, std::uint32_t shards, std::string tenant,
                                     std::string name, std::optional<std::string> value) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    if (auto ok = check_setting(name, value); !ok) co_return ok.error();
    auto c = redis::cmd("FCALL", "herald_settings", "1",
                        queue::shard_prefix(queue::shard_of(tenant, shards)),
                        value ? "set" : "unset", tenant, name);
    if (value) c.push_back(*value);
    auto r = co_await count_call(redis, std::move(c));
    if (!r) co_return r.error();
    co_return result<void>{};
}

std::vector<tenant_setting> all_settings() {
    std::vector<tenant_setting> all;
    for (auto list : {dedupe::settings(), ratelimit::settings(), smtp::settings(),
                      domains::settings(), sms::settings(), ops::settings()})
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
    // Pause is the setting send.paused (queue/tenants.hpp).
    const auto* pause = effective.if_contains("send.paused");
    const bool paused = pause && pause->is_string() && pause->get_string() == "1";
    co_return json::object{{"tenant", tenant},     {"settings", effective},
                           {"overrides", own},     {"today", to_object((*r)[2])},
                           {"breakers", breakers}, {"paused", paused}};
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
    auto r = co_await count_call(
        redis,
        redis::cmd("FCALL", "herald_breaker", "1",
                   queue::shard_prefix(queue::shard_of(tenant, shards)), action, tenant, letter,
                   subject, std::to_string(seconds), std::to_string(wall_clock().now_ms())));
    co_return r;
}

}  // namespace herald::api::tenant_admin
