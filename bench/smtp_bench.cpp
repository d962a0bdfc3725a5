// Rendering and DKIM signing (issue 3): render of a 5 KB message, and
// RSA-2048 / Ed25519 signing of it by the libopendkim reference and by the
// cached-key signer, in items per second. Compare the RSA rates with
// `openssl speed -seconds 3 rsa2048` run on the same machine (goal: ≥ 0.8
// of its sign/s).
#include "dkim/signer.hpp"
#include "mime/render.hpp"
#include "mime/validate.hpp"

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace herald::bench {
namespace {

const wall_clock k_clock;

// About 5 KB rendered: text and html of ~2.2 KB each, a short header set.
email_message five_kb() {
    email_message m;
    m.from = "Acme Billing <billing@acme.example>";
    m.to = {"Customer <customer-1@example.com>"};
    m.subject = "Your invoice INV-2024-000001 is ready";
    std::string line = "Thank you for your order. Your invoice is attached to this message. ";
    for (int i = 0; i < 32; ++i)
        m.text += line + "\n";
    m.html = "<html><body>";
    for (int i = 0; i < 28; ++i)
        m.html += "<p>" + line + "</p>\n";
    m.html += "</body></html>";
    return m;
}

mime::render_options options() {
    mime::render_options o;
    o.message_id = "1795679092742-0-e3";
    o.unsubscribe_url = "https://acme.example/u/abc";
    return o;
}

const std::string& rendered() {
    static const std::string data = [] {
        auto r = mime::render(five_kb(), options(), k_clock);
        if (!r) throw std::runtime_error(r.error().to_string());
        return std::move(r->data);
    }();
    return data;
}

std::shared_ptr<const dkim::dkim_key> key(const char* type) {
    EVP_PKEY* k = std::string_view(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    auto parsed = dkim::dkim_key::parse(std::string_view(data, static_cast<std::size_t>(n)));
    BIO_free(bio);
    EVP_PKEY_free(k);
    if (!parsed) throw std::runtime_error(parsed.error().to_string());
    return *parsed;
}

void BM_render_5kb(benchmark::State& state) {
    const auto m = five_kb();
    const auto o = options();
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto r = mime::render(m, o, k_clock);
        bytes = r->data.size();
        benchmark::DoNotOptimize(r);
    }
    state.counters["bytes"] = static_cast<double>(bytes);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_render_5kb);

void sign(benchmark::State& state, dkim::signer_kind kind, const char* type) {
    static const auto rsa = key("RSA");
    static const auto ed = key("ED25519");
    const auto& k = std::string_view(type) == "RSA" ? *rsa : *ed;
    auto signer = dkim::make_signer(kind, {}, k_clock);
    if (!signer) throw std::runtime_error(signer.error().to_string());
    const auto& msg = rendered();
    for (auto _ : state) {
        auto field = (*signer)->sign(msg, "acme.example", "s1", k);
        if (!field) {
            state.SkipWithError(field.error().to_string().c_str());
            return;
        }
        benchmark::DoNotOptimize(field);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_sign_rsa2048_opendkim(benchmark::State& s) {
    sign(s, dkim::signer_kind::opendkim, "RSA");
}
void BM_sign_rsa2048_cached_key(benchmark::State& s) {
    sign(s, dkim::signer_kind::cached_key, "RSA");
}
void BM_sign_ed25519_opendkim(benchmark::State& s) {
    sign(s, dkim::signer_kind::opendkim, "ED25519");
}
void BM_sign_ed25519_cached_key(benchmark::State& s) {
    sign(s, dkim::signer_kind::cached_key, "ED25519");
}
BENCHMARK(BM_sign_rsa2048_opendkim);
BENCHMARK(BM_sign_rsa2048_cached_key);
BENCHMARK(BM_sign_ed25519_opendkim);
BENCHMARK(BM_sign_ed25519_cached_key);

// The door's validation (mime::validate: rendering stopped before the
// body) next to rendering, for a 2 KB text email and a 50 KB one (a
// 48 KB base64 attachment): what each door pays per message.
email_message sized(std::size_t body_bytes, bool attachment) {
    email_message m;
    m.from = "Acme Billing <billing@acme.example>";
    m.to = {"Customer <customer-1@example.com>", "Accounts <ap@example.org>"};
    m.subject = "Your invoice INV-2024-000001 is ready";
    m.headers = {{"X-Campaign", "invoices"}, {"X-Tenant-Ref", "acme-42"}};
    const std::string line =
        "Thank you for your order. Your invoice is attached to this message.\n";
    while (m.text.size() < body_bytes)
        m.text += line;
    if (attachment)
        m.attachments = {{"invoice.pdf", "application/pdf", std::string(48 << 10, 'A'), ""}};
    return m;
}

void BM_validate(benchmark::State& state) {
    const auto m = sized(2048, state.range(0) == 50);
    for (auto _ : state)
        benchmark::DoNotOptimize(mime::validate(m));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_validate)->Arg(2)->Arg(50)->ArgName("kb");

void BM_render(benchmark::State& state) {
    const auto m = sized(2048, state.range(0) == 50);
    const auto o = options();
    for (auto _ : state)
        benchmark::DoNotOptimize(mime::render(m, o, k_clock));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_render)->Arg(2)->Arg(50)->ArgName("kb");

// What a PEM decode costs on its own: libopendkim pays it per message.
void BM_parse_rsa2048_pem(benchmark::State& state) {
    static const auto rsa = key("RSA");
    for (auto _ : state)
        benchmark::DoNotOptimize(dkim::dkim_key::parse(rsa->pem()));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_rsa2048_pem);

}  // namespace
}  // namespace herald::bench

BENCHMARK_MAIN();
