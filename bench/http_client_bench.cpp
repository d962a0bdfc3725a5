// The HTTP client's throughput (sms/http_client.hpp): Twilio-shaped form
// POSTs with basic auth against bench/fake_provider_server on loopback,
// with 1, 16, 64 and 256 requests in flight on one io_context thread.
// Prints requests/s and the p50/p99 of each request's time.
//
//   http_client_bench [--seconds S] [--conns N] [--server-threads N] [--url URL]
//
// Without --url it starts fake_provider_server from its own folder.
#include "sms/http_client.hpp"

#include "tests/support/child_process.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace herald;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct tally {
    std::vector<double> micros;  // each answered request's time
    long failures = 0;
};

asio::awaitable<void> sender(sms::http_client& c, const std::string& url, steady::time_point end,
                             tally& t) {
    sms::http_request req;
    req.url = url;
    req.user = "AC00000000000000000000000000000000";
    req.password = "token";
    req.body = "To=%2B15551234567&From=%2B15557654321&Body=Your+code+is+123456";
    while (steady::now() < end) {
        const auto start = steady::now();
        auto r = co_await c.perform(req);
        if (r.failure != sms::http_failure::none || r.status != 201) {
            if (++t.failures == 1)
                std::fprintf(stderr, "failure: %s status %ld\n", r.error.c_str(), r.status);
            continue;
        }
        t.micros.push_back(
            std::chrono::duration<double, std::micro>(steady::now() - start).count());
    }
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

void run_level(const std::string& url, int inflight, double seconds, std::size_t conns) {
    asio::io_context ioc(1);
    sms::http_client client(ioc.get_executor(), {.max_host_connections = conns});
    tally t;
    // A short warm-up opens the connections; it is not counted.
    const auto warm_end = steady::now() + 300ms;
    tally warm;
    for (int i = 0; i < inflight; ++i)
        asio::co_spawn(ioc, sender(client, url, warm_end, warm), asio::detached);
    ioc.run();
    ioc.restart();
    const auto start = steady::now();
    const auto end = start + std::chrono::duration_cast<steady::duration>(
                                 std::chrono::duration<double>(seconds));
    for (int i = 0; i < inflight; ++i)
        asio::co_spawn(ioc, sender(client, url, end, t), asio::detached);
    ioc.run();
    const double took = std::chrono::duration<double>(steady::now() - start).count();
    const auto n = t.micros.size();
    const double p50 = percentile(t.micros, 0.50), p99 = percentile(t.micros, 0.99);
    std::printf(
        "in_flight %4d  %9.0f requests/s  p50 %8.0f us  p99 %8.0f us  (%zu ok, %ld failed, %.1f "
        "s)\n",
        inflight, static_cast<double>(n) / took, p50, p99, n, t.failures, took);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 3;
    std::size_t conns = 64;
    int server_threads = 1;
    std::string url;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--seconds") == 0)
            seconds = std::atof(argv[i + 1]);
        else if (std::strcmp(argv[i], "--conns") == 0)
            conns = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (std::strcmp(argv[i], "--server-threads") == 0)
            server_threads = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--url") == 0)
            url = argv[i + 1];
        else {
            std::fprintf(stderr,
                         "usage: %s [--seconds S] [--conns N] [--server-threads N] [--url URL]\n",
                         argv[0]);
            return 2;
        }
    }
    sms::http_global_init();
    std::unique_ptr<herald::test::scratch_dir> dir;
    std::unique_ptr<herald::test::child_process> server;
    if (url.empty()) {
        const auto exe =
            std::filesystem::canonical("/proc/self/exe").parent_path() / "fake_provider_server";
        dir = std::make_unique<herald::test::scratch_dir>("herald-http-bench");
        const auto out = dir->path() / "stdout";
        server = std::make_unique<herald::test::child_process>(
            std::vector<std::string>{exe.string(), "--threads", std::to_string(server_threads)},
            out, dir->path() / "stderr");
        unsigned port = 0;
        for (int i = 0;
             i < 500 && std::sscanf(herald::test::read_file(out).c_str(), "READY %u", &port) != 1;
             ++i)
            std::this_thread::sleep_for(10ms);
        if (port == 0) throw std::runtime_error("fake_provider_server did not start");
        url = "http://127.0.0.1:" + std::to_string(port) +
              "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";
    }
    std::printf("POST %s, %zu connections at most, %.1f s per level\n", url.c_str(), conns,
                seconds);
    for (int inflight : {1, 16, 64, 256})
        run_level(url, inflight, seconds, conns);
    return 0;
}
