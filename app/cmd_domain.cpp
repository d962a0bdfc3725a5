// `herald domain`: a tenant's sender domains (domains/service.hpp; the
// HTTP API's /v1/domains does the same).
//
//   herald domain add <domain> --tenant T [--ed25519]   make keys, print the records to publish
//   herald domain show <domain> --tenant T              state, records, last verdicts
//   herald domain list --tenant T                       every domain and its state
//   herald domain verify <domain> --tenant T            ask DNS now
//   herald domain rotate <domain> --tenant T            new keys; signing moves once published
//   herald domain remove <domain> --tenant T            forget it and its keys
//
// Answers JSON on stdout (--zone: the records as zone-file lines instead);
// refusals are JSON errors with exit 1, usage errors exit 2.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "domains/describe.hpp"
#include "domains/service.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <array>
#include <cstdlib>
#include <iostream>

namespace herald::app {

namespace asio = boost::asio;
namespace json = boost::json;
namespace po = boost::program_options;

namespace {

constexpr std::array<std::string_view, 6> k_actions{"add",    "show",   "list",
                                                    "verify", "rotate", "remove"};

// The domain as JSON, or its records as zone-file lines.
int print_domain(const domains::sender_domain& d, const config& cfg, bool zone) {
    auto shown = domains::describe(d, cfg.domains, wall_clock{}.now_ms());
    if (!shown) return print_error(shown.error());
    if (!zone) {
        std::cout << json::serialize(*shown) << "\n";
        return 0;
    }
    for (const auto& r : shown->at("records").as_array())
        std::cout << r.at("zone_line").as_string().c_str() << "\n";
    return 0;
}

}  // namespace

int cmd_domain(const args& a) {
    std::string config_flag, tenant, action, domain;
    bool ed25519 = false, zone = false;
    po::options_description opts("herald domain add|show|list|verify|rotate|remove [<domain>]");
    opts.add_options()("help,h", "this help")("config,c", po::value(&config_flag),
                                              "configuration file")(
        "tenant,t", po::value(&tenant)->required(), "the tenant")(
        "ed25519", po::bool_switch(&ed25519), "add: an Ed25519 key beside RSA-2048")(
        "zone", po::bool_switch(&zone), "print the records to publish as zone-file lines");
    po::options_description hidden;
    hidden.add_options()("action", po::value(&action)->required())("domain", po::value(&domain));
    int status = 0;
    auto vm = parse_command(a, opts, hidden, {"action", "domain"}, status);
    if (!vm) return status;
    const bool known = std::find(k_actions.begin(), k_actions.end(), action) != k_actions.end();
    if (!known || (action == "list") != domain.empty()) {
        std::cerr << "herald: domain list --tenant T, or domain "
                     "add|show|verify|rotate|remove <domain> --tenant T\n"
                  << opts;
        return 2;
    }
    auto cfg = load_tool_config(config_flag);
    if (!cfg) return 1;
    return with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto ex = co_await asio::this_coro::executor;
        auto resolver = domains_resolver(ex, *cfg);
        if (!resolver) co_return print_error(resolver.error());
        domains::service s(redis, *cfg, domains::master_key::load(cfg->domains, ::getenv),
                           resolver->get());
        const auto now = wall_clock{}.now_ms();
        if (action == "list") {
            auto all = co_await s.list(tenant);
            if (!all) co_return print_error(all.error());
            json::array list;
            for (const auto& [name, state] : *all)
                list.push_back({{"domain", name}, {"state", state}});
            std::cout << json::serialize(json::object{{"domains", std::move(list)}}) << "\n";
            co_return 0;
        }
        if (action == "remove") {
            auto gone = co_await s.remove(tenant, domain);
            if (!gone) co_return print_error(gone.error());
            std::cout << json::serialize(json::object{{"removed", domain}}) << "\n";
            co_return 0;
        }
        result<domains::sender_domain> d = make_error(errc::internal, "no action");
        if (action == "add")
            d = co_await s.add(tenant, domain, {.ed25519 = ed25519}, now);
        else if (action == "show")
            d = co_await s.show(tenant, domain);
        else if (action == "verify")
            d = co_await s.verify(tenant, domain, now);
        else
            d = co_await s.rotate(tenant, domain, now);
        if (!d) co_return print_error(d.error());
        co_return print_domain(*d, *cfg, zone);
    });
}

}  // namespace herald::app
