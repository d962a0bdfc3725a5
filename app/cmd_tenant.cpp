// `herald tenant`: per-tenant settings and loop breakers, until the HTTP
// API has routes for them.
//
//   herald tenant show <tenant>                       settings, open breakers, today's counts
//   herald tenant set <tenant> <name> <value>         e.g. breaker.content.max 50
//   herald tenant unset <tenant> <name>               back to the config default
//   herald tenant breaker reset <tenant> [<kind> [<subject>]]   kind: content|recipient|tenant
//   herald tenant breaker open <tenant> <kind> [<subject>] [--seconds N]
//
// Answers JSON on stdout; refusals are JSON errors with exit 1.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "dedupe/settings.hpp"
#include "queue/keys.hpp"
#include "queue/redis_client.hpp"
#include "ratelimit/settings.hpp"
#include "smtp/settings.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include <charconv>
#include <iostream>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// Every guard's tenant settings.
std::vector<tenant_setting> all_settings() {
    std::vector<tenant_setting> all;
    for (auto list : {dedupe::settings(), ratelimit::settings(), smtp::settings()})
        all.insert(all.end(), list.begin(), list.end());
    return all;
}

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

std::optional<std::string> breaker_kind(std::string_view k) {
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

asio::awaitable<int> show(redis::client& redis, std::uint32_t shard, const std::string& tenant) {
    // The tenant's breakers from their index (bounded, like the tenant's
    // breakers), never from a scan of the keyspace.
    std::vector<redis::command> cmds{
        redis::cmd("HGETALL", queue::meta_key(shard)),
        redis::cmd("HGETALL", queue::tenant_key(shard, tenant)),
        redis::cmd("HGETALL", queue::stat_key(shard, tenant, std::time(nullptr) / 86400)),
        redis::cmd("ZRANGE", queue::breaker_index_key(shard, tenant), "0", "-1")};
    auto r = co_await redis.pipeline(std::move(cmds));
    if (!r) co_return print_error(r.error());
    json::object settings = to_object((*r)[0]);
    json::object own = to_object((*r)[1]);
    json::object effective;
    for (const auto& s : all_settings()) {
        if (auto* v = own.if_contains(s.name))
            effective[s.name] = *v;
        else if (auto* d = settings.if_contains(s.name))
            effective[s.name] = *d;
    }
    std::vector<redis::command> reads;
    for (const auto& key : (*r)[3].elements)
        reads.push_back(redis::cmd("HGETALL", key.str));
    auto found = co_await redis.pipeline(std::move(reads));
    if (!found) co_return print_error(found.error());
    json::array breakers;
    for (std::size_t i = 0; i < found->size(); ++i) {
        if ((*found)[i].size() == 0) continue;  // expired since it was indexed
        json::object o = to_object((*found)[i]);
        o["key"] = (*r)[3][i].str;
        breakers.push_back(std::move(o));
    }
    std::cout << json::serialize(json::object{{"tenant", tenant},
                                              {"settings", effective},
                                              {"overrides", own},
                                              {"today", to_object((*r)[2])},
                                              {"breakers", breakers}})
              << "\n";
    co_return 0;
}

asio::awaitable<int> run_fcall(redis::client& redis, redis::command c) {
    auto r = co_await redis.exec(std::move(c));
    if (!r) co_return print_error(r.error());
    if (r->is_array() && r->size() > 1 && (*r)[0].str == "err")
        co_return print_error(error_from_name((*r)[1].str, r->size() > 2 ? (*r)[2].str : ""));
    std::cout << json::serialize(json::object{{"changed", r->as_int().value_or(0)}}) << "\n";
    co_return 0;
}

int usage(bool asked = false) {
    std::string text =
        "usage: herald tenant show <tenant>\n"
        "       herald tenant set <tenant> <name> <value>\n"
        "       herald tenant unset <tenant> <name>\n"
        "       herald tenant breaker reset <tenant> [content|recipient|tenant [subject]]\n"
        "       herald tenant breaker open <tenant> content|recipient|tenant [subject] "
        "[--seconds N]\n"
        "options: --config FILE\nsettings:\n";
    for (const auto& s : all_settings())
        text += "  " + std::string(s.name) + "  " + std::string(s.help) + "\n";
    return usage_status(text, asked);
}

}  // namespace

int cmd_tenant(const args& all) {
    std::string config_flag, seconds = "3600";
    args a;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if ((all[i] == "--config" || all[i] == "-c") && i + 1 < all.size())
            config_flag = all[++i];
        else if (all[i] == "--seconds" && i + 1 < all.size())
            seconds = all[++i];
        else
            a.push_back(all[i]);
    }
    if (wants_help(all)) return usage(true);
    if (a.size() < 2) return usage();
    auto cfg = load_or_report(config_flag);
    if (!cfg) return 1;
    if (!log::enabled(log::level::debug))
        log::configure(log::level::warn, cfg->log.format == "json");

    const bool breaker = a[0] == "breaker";
    if (breaker && a.size() < 3) return usage();
    const std::string& tenant = breaker ? a[2] : a[1];
    if (auto ok = validate_tenant(tenant); !ok) return print_error(ok.error());
    const std::uint32_t shard = queue::shard_of(tenant, cfg->queue.shards);
    const std::string prefix = queue::shard_prefix(shard);
    const std::string now = std::to_string(wall_clock().now_ms());

    if (a[0] == "show" && a.size() == 2)
        return with_redis(*cfg, [&](redis::client& r) { return show(r, shard, tenant); });
    if ((a[0] == "set" && a.size() == 4) || (a[0] == "unset" && a.size() == 3)) {
        const auto spec = find_setting(a[2]);
        if (!spec)
            return print_error(make_error(errc::invalid_argument, "unknown setting " + a[2]));
        if (a[0] == "set")
            if (auto ok = check_value(*spec, a[3]); !ok) return print_error(ok.error());
        redis::command c = redis::cmd("FCALL", "herald_settings", "1", prefix, a[0], tenant, a[2]);
        if (a[0] == "set") c.push_back(a[3]);
        return with_redis(*cfg, [c](redis::client& r) { return run_fcall(r, c); });
    }
    if (breaker && (a[1] == "reset" || a[1] == "open")) {
        std::string kind = "*", subject;
        if (a.size() > 3) {
            auto k = breaker_kind(a[3]);
            if (!k)
                return print_error(
                    make_error(errc::invalid_argument, "kind: content|recipient|tenant"));
            kind = *k;
        }
        if (a[1] == "open" && kind == "*") return usage();
        if (a.size() > 4) subject = a[4];
        if (kind != "t" && kind != "*" && subject.empty())
            return print_error(
                make_error(errc::invalid_argument, "content and recipient need a subject"));
        auto c = redis::cmd("FCALL", "herald_breaker", "1", prefix, a[1], tenant, kind, subject,
                            seconds, now);
        return with_redis(*cfg, [c](redis::client& r) { return run_fcall(r, c); });
    }
    return usage();
}

}  // namespace herald::app
