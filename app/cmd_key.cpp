// `herald key`: a tenant's API keys (api/keys).
//
//   herald key create --tenant T [--name N]   prints {"key": "hk_...", "id": "key_..."} once
//   herald key list --tenant T                ids, names and creation times (never the keys)
//   herald key revoke --tenant T <id>         refused by every server within api.key_cache_ms
#include "api/http.hpp"
#include "api/keys.hpp"
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "core/message.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>

namespace herald::app {

namespace asio = boost::asio;
namespace json = boost::json;
namespace po = boost::program_options;

int cmd_key(const args& a) {
    std::string config_flag, tenant, name, action, id;
    po::options_description opts("herald key create|list|revoke [options]");
    opts.add_options()("help,h", "this help")("config,c", po::value(&config_flag),
                                              "configuration file")(
        "tenant,t", po::value(&tenant)->required(), "the tenant")(
        "name,n", po::value(&name), "create: a name for the key, shown in lists");
    po::options_description hidden;
    hidden.add_options()("action", po::value(&action)->required())("id", po::value(&id));
    int status = 0;
    auto vm = parse_command(a, opts, hidden, {"action", "id"}, status);
    if (!vm) return status;
    const bool needs_id = action == "revoke";
    if ((action != "create" && action != "list" && !needs_id) || needs_id == id.empty()) {
        std::cerr << "herald: key create|list --tenant T, or key revoke --tenant T <id>\n" << opts;
        return 2;
    }
    if (auto ok = validate_tenant(tenant); !ok) return print_error(ok.error());
    auto cfg = load_tool_config(config_flag);
    if (!cfg) return 1;
    const auto shards = cfg->queue.shards;
    return with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        json::value out;
        if (action == "create") {
            auto made = co_await api::keys::create(redis, shards, tenant, name);
            if (!made) co_return print_error(made.error());
            out = {{"key", made->key}, {"id", made->id}};
        } else if (action == "list") {
            auto all = co_await api::keys::list(redis, shards, tenant);
            if (!all) co_return print_error(all.error());
            json::array list;
            for (const auto& k : *all)
                list.push_back(
                    {{"id", k.id}, {"name", k.name}, {"created_at", api::rfc3339(k.created_ms)}});
            out = {{"keys", std::move(list)}};
        } else {
            auto gone = co_await api::keys::revoke(redis, shards, tenant, id);
            if (!gone) co_return print_error(gone.error());
            if (!*gone) co_return print_error(make_error(errc::invalid_argument, "no key " + id));
            out = {{"revoked", id}};
        }
        std::cout << json::serialize(out) << "\n";
        co_return 0;
    });
}

}  // namespace herald::app
