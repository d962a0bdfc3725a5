// The content hash (dedupe/content_hash.hpp): bytes per second over
// realistic messages, against XXH3-128 of the same bytes in one piece (the
// ceiling: what canonicalisation costs is the gap) and SHA-256 from
// OpenSSL (the alternative the issue names).
#include "dedupe/content_hash.hpp"

#include <benchmark/benchmark.h>
#include <openssl/sha.h>
#include <xxhash.h>

#include <boost/json.hpp>

namespace herald::bench {
namespace {

// An email of about `text_bytes` of text, with an attachment of
// `attachment_bytes` (base64) when non-zero.
message email(std::size_t text_bytes, std::size_t attachment_bytes) {
    email_message e;
    e.from = "Acme Billing <billing@acme.example>";
    e.to = {"Customer <customer-1@Example.com>", "ops@example.com"};
    e.subject = "Your invoice INV-2024-000001 is ready";
    e.text = std::string(text_bytes, 'x');
    for (std::size_t i = 72; i < e.text.size(); i += 73)
        e.text[i] = '\n';
    e.html = "<p>" + e.text.substr(0, text_bytes / 2) + "</p>";
    if (attachment_bytes)
        e.attachments.push_back(
            {"invoice.pdf", "application/pdf", std::string(attachment_bytes, 'Q'), ""});
    return message{std::move(e), {}, {}};
}

std::size_t hashed_bytes(const message& m) {
    const auto& e = std::get<email_message>(m.content);
    std::size_t n = e.text.size() + e.html.size() + e.subject.size() + e.from.size();
    for (const auto& a : e.attachments)
        n += a.content_b64.size();
    return n;
}

void BM_content_hash(benchmark::State& state) {
    const auto m =
        email(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    for (auto _ : state)
        benchmark::DoNotOptimize(dedupe::content_hash("acme", m));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(hashed_bytes(m)));
    state.SetItemsProcessed(state.iterations());
}

void BM_xxh3_128_raw(benchmark::State& state) {
    const std::string data(static_cast<std::size_t>(state.range(0) + state.range(1)), 'x');
    for (auto _ : state)
        benchmark::DoNotOptimize(XXH3_128bits(data.data(), data.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

void BM_sha256_raw(benchmark::State& state) {
    const std::string data(static_cast<std::size_t>(state.range(0) + state.range(1)), 'x');
    unsigned char out[SHA256_DIGEST_LENGTH];
    for (auto _ : state) {
        SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// {text bytes, attachment bytes}: a short notice, a 2 KB receipt, an
// invoice with a 64 KB PDF.
#define HERALD_SIZES ->Args({200, 0})->Args({2048, 0})->Args({2048, 65536})
BENCHMARK(BM_content_hash) HERALD_SIZES;
BENCHMARK(BM_xxh3_128_raw) HERALD_SIZES;
BENCHMARK(BM_sha256_raw) HERALD_SIZES;

}  // namespace
}  // namespace herald::bench

BENCHMARK_MAIN();
