// `herald serve`: the HTTP API against redis.url, until SIGTERM or SIGINT
// drains it. `herald up` serves it as well (app/cmd_run.cpp) and, for its
// local stack, keeps a demo tenant's key under its data folder.
#include "api/keys.hpp"
#include "api/server.hpp"
#include "app/bootstrap.hpp"
#include "app/commands.hpp"
#include "app/serve.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "ops/metrics.hpp"
#include "queue/tenants.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace herald::app {

namespace asio = boost::asio;

std::optional<std::string> demo_key(const config& cfg) {
    const auto file = std::filesystem::path(cfg.local.data_dir) / "demo-api-key";
    std::string kept;
    if (std::ifstream in(file); in) std::getline(in, kept);
    std::optional<std::string> key;
    const int rc = with_redis(cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto made = co_await queue::create_tenant(redis, "demo");
        if (!made) co_return print_error(made.error());
        if (!kept.empty()) {
            auto owner = co_await api::keys::lookup(redis, api::digest_of(kept));
            if (owner && *owner && (*owner)->tenant == "demo") {
                key = kept;
                co_return 0;
            }
        }
        auto fresh = co_await api::keys::create(redis, cfg.queue.shards, "demo", "herald up");
        if (!fresh) co_return print_error(fresh.error());
        key = fresh->key;
        co_return 0;
    });
    if (rc != 0 || !key) return std::nullopt;
    if (*key != kept) {
        std::ofstream out(file, std::ios::trunc);
        out << *key << "\n";
        ::chmod(file.c_str(), 0600);
    }
    return key;
}

std::string api_url(const config& cfg, std::uint16_t port) {
    auto where = parse_host_port(cfg.api.listen);
    std::string host = where ? where->host : "127.0.0.1";
    if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(port);
}

int cmd_serve(const args& a) {
    int status = 0;
    auto config_flag = parse_config_flag(a, "herald serve [options]", status);
    if (!config_flag) return status;
    auto cfg = load_or_report(*config_flag);
    if (!cfg) return 1;
    // Admission needs herald's library in Redis. A Redis that is down now
    // is not fatal: the server answers 503 until it is back.
    with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto ready = co_await prepare_redis(redis, *cfg);
        if (!ready) log::warn("startup.redis_not_ready", {{"error", ready.error().to_string()}});
        co_return 0;
    });
    ops::install_metrics({cfg->queue.shards});
    api::server srv(*cfg);
    if (auto ok = srv.start(); !ok) {
        std::cerr << "herald: " << ok.error().to_string() << "\n";
        return 1;
    }
    std::cout << "herald serve\n  api      " << api_url(*cfg, srv.port()) << "\n  metrics  "
              << api_url(*cfg, srv.port()) << "/metrics" << std::endl;
    asio::io_context signals_ctx(1);
    asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        log::info("signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        srv.drain();
    });
    std::thread waiter([&] { signals_ctx.run(); });
    srv.join();
    signals_ctx.stop();
    waiter.join();
    return 0;
}

}  // namespace herald::app
