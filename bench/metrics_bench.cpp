// The metrics sink on the hot path (issue 14): metrics::count() through
// the installed registry, whose per-thread cache finds a tenant x channel x
// outcome counter with one hash lookup, against what it saves (prometheus-
// cpp's Family::Add, a locked map of label sets, per call); observe() of a
// latency; and count() from several threads at once.
#include "core/metrics.hpp"
#include "ops/metrics.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace herald;

ops::metrics_registry& registry() {
    static auto& r = ops::install_metrics({});
    return r;
}

std::vector<std::string> tenants(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back("tenant-" + std::to_string(i));
    return out;
}

// count() through core/metrics.hpp, over `range(0)` tenants in turn.
void BM_count(benchmark::State& state) {
    registry();
    const auto names = tenants(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state) {
        metrics::count(names[i], channel::email, "delivered");
        if (++i == names.size()) i = 0;
    }
}
BENCHMARK(BM_count)->Arg(1)->Arg(100)->Arg(10000);
BENCHMARK(BM_count)->Arg(100)->Threads(2)->Threads(4);

// What the cache saves: the label set looked up in the family every time.
void BM_family_add_uncached(benchmark::State& state) {
    auto reg = std::make_shared<prometheus::Registry>();
    auto& family = prometheus::BuildCounter().Name("bench_total").Help("bench").Register(*reg);
    const auto names = tenants(100);
    std::size_t i = 0;
    for (auto _ : state) {
        family.Add({{"tenant", names[i]}, {"channel", "email"}, {"outcome", "delivered"}})
            .Increment();
        if (++i == names.size()) i = 0;
    }
}
BENCHMARK(BM_family_add_uncached);

void BM_observe(benchmark::State& state) {
    registry();
    double s = 0.0001;
    for (auto _ : state) {
        metrics::observe(metrics::latency::redis_round_trip, s);
        s = s < 1 ? s * 1.5 : 0.0001;
    }
}
BENCHMARK(BM_observe);

// No registry installed (tools, tests): one atomic load.
void BM_count_uninstalled(benchmark::State& state) {
    metrics::sink* was = metrics::detail::installed.exchange(nullptr);
    for (auto _ : state)
        metrics::count("acme", channel::email, "delivered");
    metrics::detail::installed.store(was);
}
BENCHMARK(BM_count_uninstalled);

}  // namespace

BENCHMARK_MAIN();
