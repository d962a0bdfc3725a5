#include "app/setup.hpp"

#include "app/commands.hpp"
#include "app/local_redis.hpp"
#include "core/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace herald::app {

namespace po = boost::program_options;

std::string config_path(const std::string& flag) {
    if (!flag.empty()) return flag;
    return std::filesystem::exists("herald.toml") ? "herald.toml" : "";
}

std::optional<config> load_or_report(const std::string& flag, std::vector<std::string>* given) {
    auto loaded = load_config(config_path(flag));
    if (given) *given = loaded.given;
    if (!loaded.ok()) {
        for (const auto& p : loaded.problems)
            std::cerr << p.where << ": " << p.message << "\n";
        std::cerr << "herald: configuration has " << loaded.problems.size() << " problem(s)\n";
        return std::nullopt;
    }
    log::configure(log::parse_level(loaded.cfg.log.level).value_or(log::level::info),
                   loaded.cfg.log.format == "json");
    return loaded.cfg;
}

std::optional<config> load_tool_config(const std::string& flag) {
    auto cfg = load_or_report(flag);
    if (cfg && !log::enabled(log::level::debug))
        log::configure(log::level::warn, cfg->log.format == "json");
    return cfg;
}

int print_error(const error& e) {
    boost::json::object err{{"code", e.name()}, {"status", e.http_status()}, {"message", e.detail}};
    if (!e.field.empty()) err["field"] = e.field;
    if (e.retry_after_s > 0) err["retry_after"] = e.retry_after_s;
    std::cout << boost::json::serialize(boost::json::object{{"error", std::move(err)}}) << "\n";
    return 1;
}

std::optional<std::string> parse_config_flag(const std::vector<std::string>& a, const char* what,
                                             int& status) {
    std::string config;
    po::options_description opts(what);
    opts.add_options()("help,h", "this help")(
        "config,c", po::value(&config), "configuration file (default ./herald.toml if present)");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(a).options(opts).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "herald: " << e.what() << "\n" << opts;
        status = 2;
        return std::nullopt;
    }
    if (vm.count("help")) {
        std::cout << opts;
        status = 0;
        return std::nullopt;
    }
    return config;
}

int with_redis(const config& cfg,
               const std::function<boost::asio::awaitable<int>(redis::client&)>& body) {
    auto ep = redis::endpoint::parse(redis_url(cfg));
    if (!ep) return print_error(ep.error());
    boost::asio::io_context ioc(1);
    redis::client redis(ioc.get_executor(), *ep,
                        {std::chrono::milliseconds(cfg.redis.timeout_ms),
                         std::chrono::milliseconds(cfg.redis.connect_timeout_ms)});
    int rc = 1;
    redis.start();
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<int> {
            // A one-shot command fails fast: a refused connection on
            // loopback is immediate, and retrying belongs to the long-running
            // processes.
            const auto patience = std::min(std::chrono::milliseconds(1000),
                                           std::chrono::milliseconds(cfg.redis.connect_timeout_ms));
            const auto deadline = std::chrono::steady_clock::now() + patience;
            boost::asio::steady_timer tick(ioc);
            while (!redis.connected() && std::chrono::steady_clock::now() < deadline) {
                tick.expires_after(std::chrono::milliseconds(10));
                co_await tick.async_wait(boost::asio::use_awaitable);
            }
            if (!redis.connected()) {
                redis.stop();
                co_return print_error(make_error(
                    errc::unavailable, "no answer from Redis at " + ep->str() + " within " +
                                           std::to_string(patience.count()) +
                                           " ms (is herald up, or redis.url right?)"));
            }
            int code = co_await body(redis);
            redis.stop();
            co_return code;
        },
        [&](std::exception_ptr e, int code) {
            rc = e ? 1 : code;
            if (e) redis.stop();
        });
    ioc.run();
    return rc;
}

bool wants_help(const args& a) {
    return std::any_of(a.begin(), a.end(),
                       [](const std::string& s) { return s == "--help" || s == "-h"; });
}

int usage_status(std::string_view text, bool asked) {
    (asked ? std::cout : std::cerr) << text;
    return asked ? 0 : 2;
}

std::string redis_url(const config& c) {
    return c.redis.url.empty() ? local_url(c.local) : c.redis.url;
}

std::optional<po::variables_map> parse_command(const std::vector<std::string>& a,
                                               const po::options_description& shown,
                                               const po::options_description& hidden,
                                               const std::vector<std::string>& positional,
                                               int& status) {
    po::options_description every;
    every.add(shown).add(hidden);
    po::positional_options_description pos;
    for (const auto& name : positional)
        pos.add(name.c_str(), 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(a).options(every).positional(pos).run(), vm);
        if (vm.count("help")) {
            std::cout << shown;
            status = 0;
            return std::nullopt;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "herald: " << e.what() << "\n" << shown;
        status = 2;
        return std::nullopt;
    }
    return vm;
}

result<std::unique_ptr<dns::resolver>> domains_resolver(boost::asio::any_io_executor ex,
                                                        const config& cfg) {
    dns::resolver_options opt;
    opt.servers = dns::resolver_options::servers_of(cfg.domains.dns_servers);
    if (auto ok = opt.validate(); !ok) return ok.error();
    return std::make_unique<dns::resolver>(std::move(ex), opt);
}

}  // namespace herald::app
