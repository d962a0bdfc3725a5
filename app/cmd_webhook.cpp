// `herald webhook`: a tenant's signed webhook endpoints and their dead
// letters (ops/webhook_*; README "Webhooks").
//
//   herald webhook add --tenant T URL [--events a.b,c.*]   prints the endpoint and its secret, once
//   herald webhook list --tenant T                         endpoints, pending batches (no secrets)
//   herald webhook rm --tenant T <id>                      the endpoint and its pending batches
//   herald webhook dead --tenant T [--limit N]             dead-lettered batches, newest first
//   herald webhook replay --tenant T (<batch id> | --all)  dead batches back to their endpoints
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/message.hpp"
#include "core/metrics.hpp"
#include "ops/webhook_registry.hpp"
#include "ops/webhook_view.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>

namespace herald::app {

namespace asio = boost::asio;
namespace json = boost::json;
namespace po = boost::program_options;

namespace {

constexpr const char* k_usage =
    "herald: webhook add --tenant T URL [--events ...], list --tenant T, rm --tenant T <id>,\n"
    "        dead --tenant T [--limit N], replay --tenant T (<batch id> | --all)\n";

std::int64_t now_ms() {
    return wall_clock{}.now_ms();
}

asio::awaitable<result<json::object>> add(redis::client& redis, const config& cfg,
                                          const std::string& tenant, const std::string& url,
                                          const std::string& events) {
    auto filter = ops::webhook_filter::parse(events);
    if (!filter) co_return filter.error();
    const auto opts = ops::webhook_resolver_options(cfg);
    if (auto ok = opts.validate(); !ok) co_return at_field(ok.error(), "smtp.dns_servers");
    auto ex = co_await asio::this_coro::executor;
    dns::resolver resolver(ex, opts);
    auto made = co_await ops::create_webhook(redis, resolver, cfg, tenant, url, std::move(*filter),
                                             now_ms());
    resolver.stop();
    if (!made) co_return made.error();
    co_return ops::endpoint_json(*made, true);
}

asio::awaitable<result<json::object>> act(redis::client& redis, const config& cfg,
                                          const std::string& action, const std::string& tenant,
                                          const std::string& arg, const std::string& events,
                                          std::size_t limit) {
    const auto shards = cfg.queue.shards;
    if (action == "add") {
        auto r = co_await add(redis, cfg, tenant, arg, events);
        co_return r;
    }
    if (action == "list") {
        auto all = co_await ops::list_endpoints(redis, shards, tenant);
        if (!all) co_return all.error();
        json::array list;
        for (const auto& e : *all)
            list.push_back(ops::endpoint_json(e, false));
        co_return json::object{{"webhooks", std::move(list)}};
    }
    if (action == "rm") {
        auto gone = co_await ops::remove_endpoint(redis, shards, tenant, arg);
        if (!gone) co_return gone.error();
        co_return json::object{{"removed", arg}, {"pending_dropped", *gone}};
    }
    if (action == "dead") {
        auto dead = co_await ops::list_dead_batches(redis, shards, tenant, limit);
        if (!dead) co_return dead.error();
        co_return ops::dead_json(*dead);
    }
    auto done = co_await ops::replay_dead_batches(redis, shards, tenant, arg, now_ms(),
                                                  cfg.webhooks.max_pending, cfg.webhooks.dead_max);
    if (!done) co_return done.error();
    if (done->count > 0)
        metrics::webhook(tenant, "replayed", static_cast<std::uint64_t>(done->count));
    co_return ops::replay_json(*done);
}

}  // namespace

int cmd_webhook(const args& a) {
    std::string config_flag, tenant, events, action, arg;
    std::size_t limit = 100;
    po::options_description opts("herald webhook add|list|rm|dead|replay [options]");
    opts.add_options()("help,h", "this help")("config,c", po::value(&config_flag),
                                              "configuration file")(
        "tenant,t", po::value(&tenant)->required(), "the tenant")(
        "events,e", po::value(&events),
        "add: the event types to send, comma-separated: a type, prefix.* or *; default: all")(
        "limit,n", po::value(&limit), "dead: how many batches to show (newest first)")(
        "all", "replay: every dead batch of the tenant");
    po::options_description hidden;
    hidden.add_options()("action", po::value(&action)->required())("arg", po::value(&arg));
    int status = 0;
    auto vm = parse_command(a, opts, hidden, {"action", "arg"}, status);
    if (!vm) return status;
    const bool all = vm->count("all") > 0;
    const bool takes_arg = action == "add" || action == "rm";
    const bool known = takes_arg || action == "list" || action == "dead" || action == "replay";
    const bool arg_ok = takes_arg            ? !arg.empty()
                        : action == "replay" ? arg.empty() == all
                                             : arg.empty();
    if (!known || !arg_ok || (all && action != "replay") || (!events.empty() && action != "add")) {
        std::cerr << k_usage << opts;
        return 2;
    }
    if (auto ok = validate_tenant(tenant); !ok) return print_error(ok.error());
    auto cfg = load_tool_config(config_flag);
    if (!cfg) return 1;
    return with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto out = co_await act(redis, *cfg, action, tenant, arg, events, limit);
        if (!out) co_return print_error(out.error());
        std::cout << json::serialize(*out) << "\n";
        co_return 0;
    });
}

}  // namespace herald::app
