// `herald limits domain <domain> [<per_sec> <burst> | unset]`: the send
// rate toward one destination domain, shared by every tenant and worker
// (e.g. what a big mailbox provider accepts). Without values it shows the
// limit in force. Tenant limits and quotas are `herald tenant set`.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "queue/keys.hpp"
#include "ratelimit/domain_throttle.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <iostream>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

bool is_number(const std::string& s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && p == s.data() + s.size();
}

bool is_domain(const std::string& d) {
    return !d.empty() && d.size() <= 253 &&
           d.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
}

}  // namespace

int cmd_limits(const args& all) {
    std::string config_flag;
    args a;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if ((all[i] == "--config" || all[i] == "-c") && i + 1 < all.size())
            config_flag = all[++i];
        else
            a.push_back(all[i]);
    }
    const bool show = a.size() == 2, unset = a.size() == 3 && a[2] == "unset";
    const bool set = a.size() == 4 && is_number(a[2]) && is_number(a[3]);
    if (wants_help(all) || a.empty() || a[0] != "domain" || !(show || unset || set))
        return usage_status(
            "usage: herald limits domain <domain> [<per_sec> <burst> | unset]\n"
            "options: --config FILE\n",
            wants_help(all));
    if (!is_domain(a[1]))
        return print_error(
            make_error(errc::invalid_argument, "a domain is lower-case a-z 0-9 . -"));
    auto cfg = load_tool_config(config_flag);
    if (!cfg) return 1;
    return with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        // A change also keeps the index of limited domains, which the
        // workers read instead of scanning the keyspace.
        std::vector<redis::command> cmds{redis::cmd("HGETALL", queue::domain_limit_key(a[1]))};
        if (set) cmds = ratelimit::set_domain_limit(a[1], a[2], a[3]);
        if (unset) cmds = ratelimit::unset_domain_limit(a[1]);
        auto replies = co_await redis.pipeline(std::move(cmds));
        if (!replies) co_return print_error(replies.error());
        for (const auto& x : *replies)
            if (x.is_error()) co_return print_error(redis::error_from_reply(x));
        const auto& r = replies->front();
        json::object out{{"domain", a[1]}};
        if (!show) {
            out["changed"] = r.integer;
        } else if (r.size() == 4) {
            out["per_sec"] = r[1].str;
            out["burst"] = r[3].str;
        } else {  // no limit of its own: the config's default applies
            out["per_sec"] = cfg->limits.domain_per_sec;
            out["burst"] = cfg->limits.domain_burst;
            out["default"] = true;
        }
        std::cout << json::serialize(out) << "\n";
        co_return 0;
    });
}

}  // namespace herald::app
