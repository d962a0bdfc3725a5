// The end-to-end benchmark (issue 3): N messages of 2-10 KB through the
// whole way on this machine: admission -> Redis Streams -> worker -> render
// -> DKIM (RSA-2048, signing pool) -> SMTP (pooled, pipelined) to Postfix's
// smtp-sink on loopback. Reports messages/s and the enqueue-to-accepted
// latency (p50, p99): from the admission time in the message id to the
// sink's 250 to the final dot. Everything is admitted as fast as Redis
// takes it while the worker drains, so latency includes queueing.
//
//   build/bench/e2e_bench [messages=20000] [tenants=32] [ops=on|off]
//
// ops=on (the default, as herald runs): an event per transition of every
// message and a status line per final outcome at info (send stderr to
// /dev/null); ops=off: guard events only and warn, for the cost ratio.
#include "app/bootstrap.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "dedupe/admission.hpp"
#include "queue/producer.hpp"
#include "queue/worker.hpp"
#include "smtp/transport.hpp"
#include "tests/support/redis_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

namespace herald::bench {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

// Records when each message was accepted by the sink.
class timing_transport final : public transport {
public:
    timing_transport(transport& inner, const clock& clk) : inner_(inner), clock_(clk) {}
    std::string_view name() const override { return "timed-smtp"; }
    asio::awaitable<outcome> send(const delivery& d) override {
        auto o = co_await inner_.send(d);
        if (o.kind == outcome_kind::delivered)
            latencies.push_back(clock_.now_ms() - d.id.ms);
        else
            ++not_delivered;
        co_return o;
    }
    std::vector<millis> latencies;
    std::size_t not_delivered = 0;

private:
    transport& inner_;
    const clock& clock_;
};

pid_t start_sink(std::uint16_t port) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const std::string where = "127.0.0.1:" + std::to_string(port);
        ::execl("/usr/sbin/smtp-sink", "smtp-sink", "-u", "root", "-m", "1024", where.c_str(),
                "1024", nullptr);
        ::_exit(127);
    }
    return pid;
}

void write_rsa_key(const fs::path& file) {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    FILE* f = std::fopen(file.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    EVP_PKEY_free(key);
}

std::string payload(std::size_t i, std::size_t bytes) {
    std::string text;
    while (text.size() < bytes)
        text += "Line " + std::to_string(text.size()) + " of the message, padded. ";
    text.resize(bytes);
    return R"({"from":"Bench <news@bench.example>","to":["user)" + std::to_string(i) +
           R"(@sink.example"],"subject":"Receipt )" + std::to_string(i) + R"(","text":")" + text +
           R"("})";
}

millis percentile(std::vector<millis> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace
}  // namespace herald::bench

int main(int argc, char** argv) {
    using namespace herald;
    using namespace herald::bench;
    const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 20000;
    const std::size_t tenants = argc > 2 ? std::stoul(argv[2]) : 32;
    const bool ops = !(argc > 3 && std::string_view(argv[3]) == "ops=off");
    log::configure(ops ? log::level::info : log::level::warn, false);

    test::redis_server redis_server({"--appendfsync", "everysec"});
    const auto port = test::free_port();
    const pid_t sink = start_sink(port);
    const fs::path keys = redis_server.dir() / "dkim";
    fs::create_directories(keys / "bench.example");
    write_rsa_key(keys / "bench.example" / "s2026.pem");

    config cfg;
    cfg.transport.kind = "smtp";
    cfg.smtp.mode = "relay";
    cfg.smtp.relay_host = "127.0.0.1";
    cfg.smtp.relay_port = port;
    cfg.smtp.tls = "none";
    cfg.dkim.keys_dir = keys.string();
    cfg.domains.require_verified = 0;  // the bench sends From a domain nobody verified
    cfg.events.messages = ops ? 1 : 0;

    asio::io_context ioc(1);
    redis::client client(ioc.get_executor(), *redis::endpoint::parse(redis_server.url()));
    client.start();
    wall_clock clk;
    bool ready = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto r = co_await app::prepare_redis(client, cfg);
            ready = r.has_value();
            ioc.stop();
        },
        asio::detached);
    ioc.run();
    if (!ready) return std::puts("bench: redis set-up failed"), 1;
    ioc.restart();

    auto smtp = smtp::smtp_transport::create(ioc.get_executor(), cfg, client, clk);
    if (!smtp) return std::printf("bench: %s\n", smtp.error().to_string().c_str()), 1;
    timing_transport timed(**smtp, clk);
    queue::worker w(
        ioc.get_executor(), client, timed, clk,
        {"bench", cfg.queue, queue::limits_from(cfg.queue), nullptr, cfg.redis.timeout_ms});

    std::mt19937 rng(7);
    std::vector<queue::admission> all;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string tenant = "t" + std::to_string(i % tenants);
        auto json = bench::payload(i, 2048 + rng() % 8192);
        all.push_back(*dedupe::admission_of(tenant, channel::email, json));
    }
    queue::producer producer(client, cfg.queue.shards);
    std::size_t refused = 0;
    const auto t0 = steady::now();
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < n; i += 256) {
                std::vector<queue::admission> batch(all.begin() + i,
                                                    all.begin() + std::min(n, i + 256));
                auto rs = co_await producer.admit_batch(batch);
                for (const auto& r : rs)
                    refused += !r || r->duplicate;
            }
        },
        asio::detached);
    bool stopped = false;
    asio::co_spawn(ioc, w.run(), [&](std::exception_ptr) { stopped = true; });
    const auto limit = t0 + std::chrono::minutes(10);
    while (timed.latencies.size() + timed.not_delivered + refused < n && steady::now() < limit)
        ioc.run_one_for(std::chrono::milliseconds(10));
    const double seconds = std::chrono::duration<double>(steady::now() - t0).count();
    w.stop();
    while (!stopped)
        ioc.run_one_for(std::chrono::milliseconds(10));
    ::kill(sink, SIGTERM);
    ::waitpid(sink, nullptr, 0);

    const auto stats = (*smtp)->stats();
    std::printf(
        "e2e: %zu messages (2-10 KB, RSA-2048 DKIM, %zu tenants, ops %s) -> smtp-sink on "
        "loopback\n",
        n, tenants, ops ? "on" : "off");
    std::printf("  delivered %zu, not delivered %zu, refused at admission %zu\n",
                timed.latencies.size(), timed.not_delivered, refused);
    std::printf("  %.2f s, %.0f messages/s\n", seconds,
                static_cast<double>(timed.latencies.size()) / seconds);
    std::printf("  enqueue-to-accepted latency: p50 %lld ms, p99 %lld ms\n",
                static_cast<long long>(percentile(timed.latencies, 0.50)),
                static_cast<long long>(percentile(timed.latencies, 0.99)));
    std::printf("  smtp connections opened %llu, transactions %llu, reuses %llu\n",
                static_cast<unsigned long long>(stats.connections_opened),
                static_cast<unsigned long long>(stats.transactions),
                static_cast<unsigned long long>(stats.reuses));
    return timed.latencies.size() == n ? 0 : 1;
}
