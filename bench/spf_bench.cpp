// SPF check_host() evaluations per second (issue 12) of a realistic
// record against the loopback python3-dnslib server (tests/support):
// an include chain of 4 with ip4 ranges, ending in an mx whose second
// host is the client, so every term is evaluated: 5 TXT, 1 MX and 2 A
// queries, 5 of the 10 lookups.
//
//   build/bench/spf_bench --benchmark_min_time=3
//
// - spf_uncached: every query goes to the server (c-ares 1.18.1 has no
//   query cache; it came in 1.23).
// - spf_cached: through domains/spf/answer_cache, which honours TTLs
//   (300 s here, so after the first evaluation no query leaves).
// - spf_uncached_parallel/N: N evaluations in flight at once on one
//   resolver, to show where the bound is.
// - dns_txt_query: one TXT query per iteration: the server's own rate,
//   the ceiling for spf_uncached (8 queries each).
#include "dns/resolver.hpp"
#include "domains/spf/check_host.hpp"
#include "tests/support/dns_server.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>

namespace {

namespace asio = boost::asio;
namespace spf = herald::domains::spf;
using herald::test::dns_record;

const char* k_client = "192.0.2.200";  // mx2.bench.test's address

std::vector<dns_record> bench_zone() {
    return {
        {"bench.test",
         "TXT",
         {"v=spf1 ip4:203.0.113.0/26 ip4:203.0.113.128/27 include:_s1.bench.test -all"}},
        {"_s1.bench.test",
         "TXT",
         {"v=spf1 ip4:198.51.100.0/26 ip4:198.51.100.64/27 include:_s2.bench.test ~all"}},
        {"_s2.bench.test",
         "TXT",
         {"v=spf1 ip4:198.51.100.128/26 ip6:2001:db8:10::/48 include:_s3.bench.test ~all"}},
        {"_s3.bench.test",
         "TXT",
         {"v=spf1 ip4:198.51.100.192/27 ip4:203.0.113.64/28 include:_s4.bench.test ~all"}},
        {"_s4.bench.test", "TXT", {"v=spf1 ip4:192.0.2.0/28 ip4:192.0.2.64/27 mx:bench.test ~all"}},
        {"bench.test", "MX", {"10 mx1.bench.test", "20 mx2.bench.test"}},
        {"mx1.bench.test", "A", {"192.0.2.100"}},
        {"mx2.bench.test", "A", {"192.0.2.200"}},
    };
}

herald::test::dns_server& server() {
    static herald::test::dns_server s(bench_zone());
    return s;
}

herald::dns::resolver_options resolver_opts() {
    return {.servers = {server().server()}, .timeout = std::chrono::milliseconds(2000)};
}

spf::query bench_query() {
    return {asio::ip::make_address(k_client), "bench.test", "app@bench.test", "mx.sender.test"};
}

void run_evaluations(benchmark::State& state, spf::answer_cache* cache, int in_flight) {
    asio::io_context ioc;
    herald::dns::resolver r(ioc.get_executor(), resolver_opts());
    spf::options opt;
    opt.cache = cache;
    std::int64_t evaluations = 0;
    for (auto _ : state) {
        int passed = 0;
        for (int i = 0; i < in_flight; ++i)
            asio::co_spawn(ioc, spf::check_host(r, bench_query(), opt),
                           [&](std::exception_ptr e, spf::evaluation v) {
                               if (!e && v.code == spf::result::pass) ++passed;
                           });
        ioc.restart();
        ioc.run();
        if (passed != in_flight) {
            state.SkipWithError("an evaluation did not pass");
            break;
        }
        evaluations += in_flight;
    }
    state.SetItemsProcessed(evaluations);
    state.counters["evals_per_s"] =
        benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kIsRate);
}

void spf_uncached(benchmark::State& state) {
    run_evaluations(state, nullptr, 1);
}

void spf_cached(benchmark::State& state) {
    spf::answer_cache cache;
    run_evaluations(state, &cache, 1);
    state.counters["cache_hits"] = static_cast<double>(cache.hits());
    state.counters["cache_misses"] = static_cast<double>(cache.misses());
}

void spf_uncached_parallel(benchmark::State& state) {
    run_evaluations(state, nullptr, static_cast<int>(state.range(0)));
}

void dns_txt_query(benchmark::State& state) {
    asio::io_context ioc;
    herald::dns::resolver r(ioc.get_executor(), resolver_opts());
    std::int64_t queries = 0;
    for (auto _ : state) {
        bool ok = false;
        asio::co_spawn(ioc, r.txt("bench.test"),
                       [&](std::exception_ptr e, herald::result<std::vector<std::string>> v) {
                           ok = !e && v && !v->empty();
                       });
        ioc.restart();
        ioc.run();
        if (!ok) {
            state.SkipWithError("TXT query failed");
            break;
        }
        ++queries;
    }
    state.counters["queries_per_s"] =
        benchmark::Counter(static_cast<double>(queries), benchmark::Counter::kIsRate);
}

BENCHMARK(spf_uncached)->UseRealTime();
BENCHMARK(spf_cached)->UseRealTime();
BENCHMARK(spf_uncached_parallel)->Arg(4)->Arg(16)->UseRealTime();
BENCHMARK(dns_txt_query)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
