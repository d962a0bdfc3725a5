// SMS end to end (issue 13): N SMS through the whole way on this machine:
// admission -> Redis Streams -> worker -> the sms transport (number check,
// suppression check, segments) -> libcurl multi on Asio -> a Twilio-like
// provider on loopback (bench/fake_provider_server, C++ on Beast, so it is
// not the bound), with max_inflight at its default. Reports SMS/s and the
// enqueue-to-accepted latency (p50, p99): from the admission time in the
// message id to the provider's 201. Everything is admitted as fast as Redis
// takes it while the worker drains, so latency includes queueing.
//
//   build/bench/sms_bench [messages=20000] [tenants=32]
#include "app/bootstrap.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "dedupe/admission.hpp"
#include "queue/producer.hpp"
#include "queue/worker.hpp"
#include "sms/transport.hpp"
#include "tests/support/redis_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace herald::bench {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

// Records when each SMS was accepted by the provider.
class timing_transport final : public transport {
public:
    timing_transport(transport& inner, const clock& clk) : inner_(inner), clock_(clk) {}
    std::string_view name() const override { return "timed-sms"; }
    asio::awaitable<outcome> send(const delivery& d) override {
        auto o = co_await inner_.send(d);
        if (o.kind == outcome_kind::delivered)
            latencies.push_back(clock_.now_ms() - d.id.ms);
        else
            ++not_delivered, last_failure = o.code + " " + o.detail;
        co_return o;
    }
    std::vector<millis> latencies;
    std::size_t not_delivered = 0;
    std::string last_failure;

private:
    transport& inner_;
    const clock& clock_;
};

// The fake provider, started with a pipe to read its "READY <port>".
pid_t start_provider(std::uint16_t& port) {
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        ::execl(HERALD_FAKE_PROVIDER, "fake_provider_server", "--port", "0", "--threads", "1",
                nullptr);
        ::_exit(127);
    }
    ::close(fds[1]);
    char line[64] = {};
    std::size_t got = 0;
    while (got < sizeof line - 1 && ::read(fds[0], line + got, 1) == 1 && line[got] != '\n')
        ++got;
    ::close(fds[0]);
    unsigned p = 0;
    if (std::sscanf(line, "READY %u", &p) != 1) return -1;
    port = static_cast<std::uint16_t>(p);
    return pid;
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
    log::configure(log::level::warn, false);

    test::redis_server redis_server({"--appendfsync", "everysec"});
    std::uint16_t port = 0;
    const pid_t provider = start_provider(port);
    if (provider < 0) return std::puts("bench: the fake provider did not start"), 1;

    config cfg;
    cfg.transport.sms = "providers";
    sms_provider_config p;
    p.name = "twilio";
    p.kind = "twilio";
    p.base_url = "http://127.0.0.1:" + std::to_string(port);
    p.account = "ACbench";
    p.secret = "token";
    p.from = "+15005550006";
    cfg.sms.providers.push_back(p);
    cfg.sms.status_url = "https://herald.example";

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

    auto sms = sms::sms_transport::create(ioc.get_executor(), cfg, client, clk);
    if (!sms) return std::printf("bench: %s\n", sms.error().to_string().c_str()), 1;
    timing_transport timed(**sms, clk);
    queue::worker w(
        ioc.get_executor(), client, timed, clk,
        {"bench", cfg.queue, queue::limits_from(cfg.queue), nullptr, cfg.redis.timeout_ms});

    std::vector<queue::admission> all;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string tenant = "t" + std::to_string(i % tenants);
        // A different recipient each: +1 415 2xx xxxx, valid US numbers.
        const std::string to = "+1415" + std::to_string(2000000 + i % 7000000);
        const std::string json = R"({"to":")" + to + R"(","body":"Your code is )" +
                                 std::to_string(100000 + i) + R"(. It expires in 10 minutes."})";
        all.push_back(*dedupe::admission_of(tenant, channel::sms, json));
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
    ::kill(provider, SIGTERM);
    ::waitpid(provider, nullptr, 0);

    std::printf(
        "sms: %zu SMS (%zu tenants) -> a Twilio-like provider on loopback, max_inflight %u\n", n,
        tenants, p.max_inflight);
    std::printf("  accepted %zu, not accepted %zu, refused at admission %zu\n",
                timed.latencies.size(), timed.not_delivered, refused);
    if (timed.not_delivered) std::printf("  last failure: %s\n", timed.last_failure.c_str());
    std::printf("  %.2f s, %.0f SMS/s\n", seconds,
                static_cast<double>(timed.latencies.size()) / seconds);
    std::printf("  enqueue-to-accepted latency: p50 %lld ms, p99 %lld ms\n",
                static_cast<long long>(percentile(timed.latencies, 0.50)),
                static_cast<long long>(percentile(timed.latencies, 0.99)));
    return timed.latencies.size() == n ? 0 : 1;
}
