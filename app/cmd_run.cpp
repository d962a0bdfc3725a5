// `herald up` and `herald work`: the worker side of the stack in one
// process. `up` first starts a local redis-server when redis.url is empty.
#include "api/server.hpp"
#include "app/bootstrap.hpp"
#include "app/capture_transport.hpp"
#include "app/channel_transports.hpp"
#include "app/commands.hpp"
#include "app/local_admin_key.hpp"
#include "app/local_redis.hpp"
#include "app/serve.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "domains/rechecker.hpp"
#include "domains/signing_keys.hpp"
#include "ops/metrics_gauges.hpp"
#include "ops/metrics_listener.hpp"
#include "ops/webhook_dispatcher.hpp"
#include "ops/webhook_registry.hpp"
#include "queue/worker.hpp"
#include "ratelimit/domain_throttle.hpp"
#include "ratelimit/watermarks.hpp"
#include "sms/transport.hpp"
#include "smtp/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include <boost/asio/post.hpp>

namespace herald::app {
namespace {

namespace asio = boost::asio;

std::string consumer_name() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return std::string(host) + ":" + std::to_string(::getpid());
}

asio::awaitable<void> serve(redis::client& redis, queue::worker& w, transport& t,
                            ratelimit::watermark_watcher& watcher, domains::rechecker& checker,
                            const config& cfg, int& rc) {
    using namespace asio::experimental::awaitable_operators;
    // A long-running process waits for Redis (a restart, a pause) with
    // backoff; only a configuration Redis refuses (the shard count) stops it.
    std::chrono::milliseconds backoff{100};
    for (;;) {
        auto ready = co_await prepare_redis(redis, cfg);
        if (ready) break;
        const bool waiting = ready.error().code != make_error_code(errc::invalid_argument);
        if (!waiting || w.stopping()) {
            log::error("startup.failed", {{"error", ready.error().to_string()}});
            rc = 1;
            co_return;
        }
        log::warn("startup.waiting_for_redis", {{"error", ready.error().to_string()}});
        asio::steady_timer pause(co_await asio::this_coro::executor, backoff);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
    }
    co_await (w.run() && watcher.run() && checker.run());
    co_await t.close();
    if (w.unsettled() > 0) {
        log::error("worker.unsettled", {{"count", static_cast<std::int64_t>(w.unsettled())}});
        rc = 1;
    }
}

// The webhook dispatcher on a thread, an io_context and a Redis connection
// of its own: a slow endpoint or a burst of batches never holds up the
// worker's loop.
class webhook_thread {
public:
    webhook_thread(const config& cfg, const redis::endpoint& ep, std::string consumer)
        : redis_(ioc_.get_executor(), ep,
                 {std::chrono::milliseconds(cfg.redis.timeout_ms),
                  std::chrono::milliseconds(cfg.redis.connect_timeout_ms)}),
          dispatcher_(ioc_.get_executor(), redis_, clock_,
                      {.shards = cfg.queue.shards,
                       .hooks = cfg.webhooks,
                       .consumer = std::move(consumer),
                       .dns = ops::webhook_resolver_options(cfg),
                       .drain = std::chrono::milliseconds(cfg.queue.drain_timeout_ms)}) {}

    void start() {
        redis_.start();
        asio::co_spawn(ioc_, dispatcher_.run(), [this](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log::error("webhooks.crashed", {{"error", ex.what()}});
                }
            }
            redis_.stop();
            // Idle connections and timers may still hold the context: done is done.
            ioc_.stop();
        });
        thread_ = std::thread([this] { ioc_.run(); });
    }
    // Any thread; returns once the dispatcher has finished.
    void stop_and_join() {
        asio::post(ioc_, [this] { dispatcher_.stop(); });
        if (thread_.joinable()) thread_.join();
    }
    ~webhook_thread() { stop_and_join(); }

private:
    asio::io_context ioc_{1};
    wall_clock clock_;
    redis::client redis_;
    ops::webhook_dispatcher dispatcher_;
    std::thread thread_;
};

// `http_api`, when given, is drained by the same signals.
int run_stack(const config& cfg, const std::string& url, api::server* http_api = nullptr) {
    auto ep = redis::endpoint::parse(url);
    if (!ep) {
        std::cerr << "herald: " << ep.error().to_string() << "\n";
        return 1;
    }
    asio::io_context ioc(1);
    // Named, so that /metrics sees this worker on an idle queue too: Redis
    // 7.0 refreshes a consumer's idle time only when it is given entries.
    redis::client_options redis_opt{std::chrono::milliseconds(cfg.redis.timeout_ms),
                                    std::chrono::milliseconds(cfg.redis.connect_timeout_ms)};
    redis_opt.name = std::string(ops::worker_client_prefix) + consumer_name();
    redis::client redis(ioc.get_executor(), *ep, redis_opt);
    wall_clock clk;
    // Tenants' own domains: their keys sign mail, and each is checked again
    // when due. Without a master key, a domain's keys cannot open: its mail
    // waits (deferred, no_master_key) rather than going out unsigned.
    domains::signing_keys tenant_keys(redis, cfg.queue.shards,
                                      domains::master_key::load(cfg.domains, ::getenv), clk);
    auto resolver = domains_resolver(ioc.get_executor(), cfg);
    if (!resolver) {
        std::cerr << "herald: domains.dns_servers: " << resolver.error().to_string() << "\n";
        return 1;
    }
    domains::service domain_service(redis, cfg, domains::master_key::load(cfg.domains, ::getenv),
                                    resolver->get());
    domains::rechecker checker(ioc.get_executor(), domain_service, cfg.queue.shards, clk,
                               {.holder = consumer_name()});
    // Each channel's transport; capture is shared when both capture.
    std::shared_ptr<transport> capture =
        std::make_shared<capture_transport>(cfg.transport.capture_dir);
    std::shared_ptr<transport> email = capture, sms_out = capture;
    if (cfg.transport.email_transport() == "smtp") {
        auto smtp = smtp::smtp_transport::create(ioc.get_executor(), cfg, redis, clk, &tenant_keys);
        if (!smtp) {
            std::cerr << "herald: smtp transport: " << smtp.error().to_string() << "\n";
            return 1;
        }
        email = std::move(*smtp);
    }
    if (cfg.transport.sms == "providers") {
        auto providers = sms::sms_transport::create(ioc.get_executor(), cfg, redis, clk);
        if (!providers) {
            std::cerr << "herald: sms transport: " << providers.error().to_string() << "\n";
            return 1;
        }
        sms_out = std::move(*providers);
    }
    auto t = std::make_unique<channel_transports>(email, sms_out);
    ratelimit::domain_throttle domains(redis, clk,
                                       {cfg.limits.domain_per_sec, cfg.limits.domain_burst});
    queue::worker w(ioc.get_executor(), redis, *t, clk,
                    {consumer_name(), cfg.queue, queue::limits_from(cfg.queue), &domains,
                     cfg.redis.timeout_ms});
    ratelimit::watermark_watcher watcher(ioc.get_executor(), redis, clk, cfg.watermarks,
                                         cfg.queue.shards);

    // `herald work` has no API server: its /metrics gets its own listener.
    // One that cannot bind costs the metrics, not the deliveries.
    std::optional<ops::metrics_listener> metrics_http;
    if (!http_api && !cfg.metrics.listen.empty()) {
        metrics_http.emplace(ioc.get_executor(), redis, ops::install_metrics({cfg.queue.shards}));
        if (auto bound = metrics_http->start(cfg.metrics.listen); !bound) {
            log::warn("metrics.listen_failed", {{"error", bound.error().to_string()}});
            metrics_http.reset();
        }
    }

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    std::function<void(boost::system::error_code, int)> on_signal =
        [&](boost::system::error_code ec, int sig) {
            if (ec) return;
            log::info("signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
            w.stop();
            watcher.stop();
            checker.stop();
            if (http_api) http_api->drain();
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    webhook_thread hooks(cfg, *ep, consumer_name());
    hooks.start();
    int rc = 0;
    redis.start();
    asio::co_spawn(ioc, serve(redis, w, *t, watcher, checker, cfg, rc), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::error("worker.crashed", {{"error", ex.what()}});
            }
            rc = 1;
        }
        if (metrics_http) metrics_http->stop();
        redis.stop();
        signals.cancel();
    });
    ioc.run();
    hooks.stop_and_join();
    if (http_api) {
        http_api->drain();
        http_api->join();
    }
    return rc;
}

// Where messages go, as the banner says it: only what the configured
// transport really does.
std::string transport_line(const config& cfg) {
    const auto capture = std::filesystem::absolute(cfg.transport.capture_dir).string();
    std::string email;
    const auto& s = cfg.smtp;
    if (cfg.transport.email_transport() != "smtp")
        email = "  email    captured in " + capture;
    else if (s.mode == "direct")
        email = "  email    smtp direct to each domain's MX hosts, port " +
                std::to_string(s.direct_port) + " (tls " + s.tls + ")";
    else
        email = "  email    smtp relay via " + s.relay_host + ":" + std::to_string(s.relay_port) +
                " (tls " + s.tls + ")";
    std::string sms = "\n  sms      ";
    if (cfg.transport.sms != "providers") return email + sms + "captured in " + capture;
    for (std::size_t i = 0; i < cfg.sms.providers.size(); ++i)
        sms += (i ? ", " : "") + cfg.sms.providers[i].name + " (" + cfg.sms.providers[i].kind +
               " " + cfg.sms.providers[i].base_url + ")";
    return email + sms;
}

}  // namespace

int cmd_work(const args& a) {
    int status = 0;
    auto f = parse_config_flag(a, "herald work [options]", status);
    if (!f) return status;
    auto cfg = load_or_report(*f);
    if (!cfg) return 1;
    ops::install_metrics({cfg->queue.shards});
    return run_stack(*cfg, redis_url(*cfg));
}

int cmd_up(const args& a) {
    int status = 0;
    auto f = parse_config_flag(a, "herald up [options]", status);
    if (!f) return status;
    std::vector<std::string> given;
    auto cfg = load_or_report(*f, &given);
    if (!cfg) return 1;
    std::optional<local_redis> server;
    if (cfg->redis.url.empty()) {
        // On a fresh machine no domain is verified, and the README's first
        // enqueue must still work: herald's own local stack does not require
        // verified sender domains unless its config says so. A shared Redis
        // keeps the default, which every process there publishes.
        if (std::find(given.begin(), given.end(), "domains.require_verified") == given.end())
            cfg->domains.require_verified = 0;
        auto started = local_redis::start(cfg->local);
        if (!started) {
            std::cerr << "herald: " << started.error().to_string() << "\n";
            return 1;
        }
        server.emplace(std::move(*started));
        // herald manages this Redis, so it watches the disk under it too.
        if (cfg->watermarks.data_dir.empty()) cfg->watermarks.data_dir = cfg->local.data_dir;
    }
    const std::string url = redis_url(*cfg);
    // Only herald's own local stack gets a demo tenant: on a shared Redis,
    // tenants and keys are for ops to make.
    std::optional<std::string> key;
    if (server) {
        key = demo_key(*cfg);
        if (!key) return 1;
    }
    // ... and an admin key for the dashboard, unless the config has one.
    const bool own_admin_key = server && cfg->api.admin_key.empty();
    if (own_admin_key) {
        auto admin = local_admin_key(*cfg);
        if (!admin) {
            std::cerr << "herald: " << admin.error().to_string() << "\n";
            return 1;
        }
        cfg->api.admin_key = *admin;
    }
    ops::install_metrics({cfg->queue.shards});
    api::server http_api(*cfg);
    if (auto ok = http_api.start(); !ok) {
        std::cerr << "herald: " << ok.error().to_string() << "\n";
        return 1;
    }
    const auto base = api_url(*cfg, http_api.port());
    std::cout << "herald up\n"
              << "  redis    " << mask_url_password(url)
              << (server ? "  (local, data in " + cfg->local.data_dir + ")" : "") << "\n"
              << transport_line(*cfg) << "\n"
              << "  api      " << base << "\n"
              << "  metrics  " << base << "/metrics\n";
    if (key)
        std::cout << "  key      " << *key << "  (tenant demo; kept in " << cfg->local.data_dir
                  << "/demo-api-key)\n"
                  << "  enqueue  curl -s " << base
                  << "/v1/messages -H \"Authorization: Bearer $(cat " << cfg->local.data_dir
                  << "/demo-api-key)\" -d '{\"channel\":\"email\","
                  << "\"from\":\"app@example.com\",\"to\":\"you@example.com\",\"subject\":\"hi\","
                  << "\"text\":\"hello\"}'\n";
    std::cout << "  dashboard " << base << "/dashboard"
              << (own_admin_key ? "  (admin key kept in " + cfg->local.data_dir + "/admin-api-key)"
                                : "  (admin key: api.admin_key)")
              << "\n";
    std::cout << "  stop     Ctrl-C (drains in-flight work first)\n" << std::flush;
    return run_stack(*cfg, url, &http_api);
}

}  // namespace herald::app
