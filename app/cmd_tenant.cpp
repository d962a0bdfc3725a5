// `herald tenant`: tenants, their settings and loop breakers (the admin
// routes of the HTTP API do the same through api/tenant_admin).
//
//   herald tenant create <tenant>                     register a tenant
//   herald tenant list                                every tenant
//   herald tenant show <tenant>                       settings, open breakers, today's counts
//   herald tenant set <tenant> <name> <value>         e.g. breaker.content.max 50
//   herald tenant unset <tenant> <name>               back to the config default
//   herald tenant pause|resume <tenant>               hold back its queued mail, or not
//   herald tenant breaker reset <tenant> [<kind> [<subject>]]   kind: content|recipient|tenant
//   herald tenant breaker open <tenant> <kind> [<subject>] [--seconds N]
//
// Answers JSON on stdout; refusals are JSON errors with exit 1.
#include "api/tenant_admin.hpp"
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "core/message.hpp"
#include "queue/tenants.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <iostream>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace admin = api::tenant_admin;

int usage(bool asked = false) {
    std::string text =
        "usage: herald tenant create <tenant>\n"
        "       herald tenant list\n"
        "       herald tenant show <tenant>\n"
        "       herald tenant set <tenant> <name> <value>\n"
        "       herald tenant unset <tenant> <name>\n"
        "       herald tenant pause|resume <tenant>\n"
        "       herald tenant breaker reset <tenant> [content|recipient|tenant [subject]]\n"
        "       herald tenant breaker open <tenant> content|recipient|tenant [subject] "
        "[--seconds N]\n"
        "options: --config FILE\nsettings:\n";
    for (const auto& s : admin::all_settings())
        text += "  " + std::string(s.name) + "  " + std::string(s.help) + "\n";
    return usage_status(text, asked);
}

int print(const json::value& v) {
    std::cout << json::serialize(v) << "\n";
    return 0;
}

// Runs one admin call and prints its JSON answer.
template <class Call>
int run(const config& cfg, Call call) {
    return with_redis(cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto answer = co_await call(redis);
        if (!answer) co_return print_error(answer.error());
        co_return print(*answer);
    });
}

}  // namespace

int cmd_tenant(const args& all) {
    std::string config_flag, seconds_text = "3600";
    args a;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if ((all[i] == "--config" || all[i] == "-c") && i + 1 < all.size())
            config_flag = all[++i];
        else if (all[i] == "--seconds" && i + 1 < all.size())
            seconds_text = all[++i];
        else
            a.push_back(all[i]);
    }
    if (wants_help(all)) return usage(true);
    if (a.empty() || (a[0] != "list" && a.size() < 2)) return usage();
    std::uint64_t seconds = 0;
    auto [p, ec] =
        std::from_chars(seconds_text.data(), seconds_text.data() + seconds_text.size(), seconds);
    if (ec != std::errc{} || p != seconds_text.data() + seconds_text.size() || seconds == 0)
        return print_error(make_error(errc::invalid_argument, "--seconds must be a number > 0"));
    auto cfg = load_tool_config(config_flag);
    if (!cfg) return 1;
    const std::uint32_t shards = cfg->queue.shards;
    using json_result = result<json::value>;

    if (a[0] == "list" && a.size() == 1)
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            auto all = co_await queue::list_tenants(r);
            if (!all) co_return all.error();
            co_return json::value{{"tenants", json::array(all->begin(), all->end())}};
        });
    const bool breaker = a[0] == "breaker";
    if (breaker && a.size() < 3) return usage();
    const std::string tenant = breaker ? a[2] : a[1];
    if (auto ok = validate_tenant(tenant); !ok) return print_error(ok.error());

    if (a[0] == "create" && a.size() == 2)
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            auto made = co_await queue::create_tenant(r, tenant);
            if (!made) co_return made.error();
            co_return json::value{{"id", tenant}, {"created", *made}};
        });
    if (a[0] == "show" && a.size() == 2)
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            auto o = co_await admin::show(r, shards, tenant);
            if (!o) co_return o.error();
            co_return json::value(std::move(*o));
        });
    if ((a[0] == "pause" || a[0] == "resume") && a.size() == 2)
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            const bool paused = a[0] == "pause";
            auto ok = co_await queue::set_paused(r, shards, tenant, paused);
            if (!ok) co_return ok.error();
            co_return json::value{{"tenant", tenant}, {"paused", paused}};
        });
    if ((a[0] == "set" && a.size() == 4) || (a[0] == "unset" && a.size() == 3))
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            std::optional<std::string> value;
            if (a[0] == "set") value = a[3];
            auto ok = co_await admin::change(r, shards, tenant, a[2], value);
            if (!ok) co_return ok.error();
            co_return json::value{{"changed", 1}};
        });
    if (breaker && (a[1] == "reset" || a[1] == "open") && a.size() <= 5)
        return run(*cfg, [&](redis::client& r) -> asio::awaitable<json_result> {
            // Built before the co_await: GCC 12 miscompiles temporaries of a
            // conditional inside its operand (PITFALLS.md).
            std::string kind = a.size() > 3 ? a[3] : "", subject = a.size() > 4 ? a[4] : "";
            auto n = co_await admin::breaker(r, shards, tenant, a[1], kind, subject, seconds);
            if (!n) co_return n.error();
            co_return json::value{{"changed", *n}};
        });
    return usage();
}

}  // namespace herald::app
