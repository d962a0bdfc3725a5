// SMS content (issue 13): what counting a body's segments and normalising
// a number cost per message, the work every door and the worker do.
//   build/bench/sms_content_bench --benchmark_min_time=1
#include "sms/phone_number.hpp"
#include "sms/segments.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace herald::bench {
namespace {

const std::string k_short_gsm = "Your code is 123456. It expires in 10 minutes.";

// About 400 septets with a few extension characters: 3 parts.
std::string three_part_gsm() {
    std::string s;
    while (s.size() < 400)
        s += "Order #1234 {shipped} to Dublin, 3 items for 25.00 \xE2\x82\xAC. ";
    return s;
}

// About 170 UTF-16 units with emoji: 3 parts.
std::string ucs2_with_emoji() {
    std::string s;
    while (s.size() < 200)
        s += "Bonne f\xC3\xAAte ! \xF0\x9F\x8E\x89 Merci \xF0\x9F\x98\x80 ";
    return s;
}

void count(benchmark::State& state, const std::string& text) {
    for (auto _ : state)
        benchmark::DoNotOptimize(sms::count_segments(text));
    state.counters["segments"] = static_cast<double>(sms::count_segments(text).segments);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void count_short_gsm7(benchmark::State& state) {
    count(state, k_short_gsm);
}
void count_three_part_gsm7(benchmark::State& state) {
    count(state, three_part_gsm());
}
void count_ucs2_emoji(benchmark::State& state) {
    count(state, ucs2_with_emoji());
}

void e164(benchmark::State& state, const std::string& number) {
    for (auto _ : state)
        benchmark::DoNotOptimize(sms::to_e164(number, "US"));
}

void to_e164_already_e164(benchmark::State& state) {
    e164(state, "+14155552671");
}
void to_e164_national(benchmark::State& state) {
    e164(state, "(415) 555-2671");
}

BENCHMARK(count_short_gsm7);
BENCHMARK(count_three_part_gsm7);
BENCHMARK(count_ucs2_emoji);
BENCHMARK(to_e164_already_e164);
BENCHMARK(to_e164_national);

}  // namespace
}  // namespace herald::bench

BENCHMARK_MAIN();
