// Queue benchmarks (issue 2): what one connection to Redis sustains for
// admission (FCALL herald_admit with its guard chain, pipelined) and for
// consumption (XREADGROUP, herald_claim, a no-op send, herald_settle),
// next to plain XADD of the same payloads through the same client, so the
// cost of herald's server-side work is a ratio measured in one run.
//
// One redis-server per process, set up as herald sets up production: AOF
// on (appendfsync everysec), noeviction, app::prepare_redis with the
// default config (16 shards, guard defaults published). The messages are
// realistic ~2 KB transactional emails, each one distinct (recipient,
// invoice number), so the dedupe window and the loop breakers pass them
// as they would pass real traffic. The pool of messages is as long as a
// flush period: Redis is flushed (and prepared again) outside the timed
// region every `pool_size` messages, so no message repeats before a flush,
// the tenants' rate counters restart, and memory stays bounded.
//
// Rates are per wall-clock second (UseRealTime / UseManualTime): the
// client thread mostly waits for Redis, so CPU time would overstate them.
// Beside them, `redis_cpu_us_per_msg` is the CPU Redis' main thread spent
// per message (INFO cpu, flushes excluded) and the CPU column is the
// client's: together they show which side bounds a rate.
//
// scripts/bench-queue runs this next to redis-benchmark and prints the
// ratios; `queue_bench --print_payload` prints the first message.

#include "app/bootstrap.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/message.hpp"
#include "core/transport.hpp"
#include "dedupe/admission.hpp"
#include "domains/sender_state.hpp"
#include "queue/admitter.hpp"
#include "queue/keys.hpp"
#include "queue/lease_keeper.hpp"
#include "queue/library.hpp"
#include "queue/producer.hpp"
#include "queue/worker.hpp"
#include "tests/support/redis_server.hpp"

#include <benchmark/benchmark.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

namespace herald::bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::size_t payload_bytes = 2048;
// Distinct messages, and messages between two flushes (about 32 MB of
// stream). A multiple of every pipelining depth, so batches tile it.
constexpr std::size_t pool_size = 16384;
// A run that takes longer than this is broken, not slow.
constexpr auto drive_limit = 120s;
constexpr auto worker_limit = 60s;

// ---- the messages ----------------------------------------------------------------

// Message `n` of the pool: a transactional email to its own customer,
// padded to exactly `payload_bytes` of JSON with words in the text part.
std::string email_payload(std::size_t n) {
    namespace json = boost::json;
    char num[16];
    std::snprintf(num, sizeof num, "%06zu", n % 1000000);
    const std::string id(num), invoice = "INV-2024-" + id;
    json::object o;
    o["from"] = "Acme Billing <billing@acme.example>";
    o["to"] = json::array{"Customer " + id + " <customer-" + id + "@example.com>"};
    o["reply_to"] = "support@acme.example";
    o["subject"] = "Your invoice " + invoice + " is ready";
    o["headers"] = json::object{{"List-Unsubscribe", "<https://acme.example/u/" + id + ">"}};
    o["tags"] = json::array{"invoice", "billing"};
    o["metadata"] = json::object{{"customer_id", "c_" + id}, {"invoice_id", invoice}};
    o["html"] =
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>Hello,</p>"
        "<p>Your invoice <b>" +
        invoice +
        "</b> for <b>EUR 49.00</b> is ready. It will be charged to the card ending in "
        "4242 on 1 March.</p><p><a href=\"https://acme.example/invoices/" +
        invoice +
        "\">View invoice</a></p><table><tr><td>Pro plan (monthly)</td><td>EUR 39.00</td>"
        "</tr><tr><td>Extra seats x2</td><td>EUR 10.00</td></tr></table><p>Thank you "
        "for your business.<br>Acme Billing</p></body></html>";
    std::string text = "Hello,\n\nYour invoice " + invoice +
                       " for EUR 49.00 is ready. It will be charged to the card ending in 4242 "
                       "on 1 March.\n\nView it at https://acme.example/invoices/" +
                       invoice + "\n\n";
    o["text"] = text;
    const std::string filler =
        "Questions about this invoice? Reply to this email and our team will help. ";
    const std::size_t have = json::serialize(o).size();
    for (std::size_t i = 0; have + i < payload_bytes; ++i)
        text += filler[i % filler.size()];
    o["text"] = text;
    return json::serialize(o);
}

// One tenant per shard, so admissions spread over all shards.
std::vector<std::string> tenants_covering(std::uint32_t shards) {
    std::vector<std::string> out(shards);
    std::uint32_t found = 0;
    for (int i = 0; found < shards && i < 100000; ++i) {
        auto t = "tenant-" + std::to_string(i);
        auto& slot = out[queue::shard_of(t, shards)];
        if (slot.empty()) slot = std::move(t), ++found;
    }
    if (found < shards) throw std::runtime_error("no tenant set covers every shard");
    return out;
}

// The pool, as herald's own producer admits messages: validated, with the
// content hash computed on this side (outside the timed region here).
std::vector<queue::admission> message_pool(const std::vector<std::string>& tenants) {
    std::vector<queue::admission> pool;
    pool.reserve(pool_size);
    for (std::size_t n = 0; n < pool_size; ++n) {
        const auto& tenant = tenants[n % tenants.size()];
        auto payload = email_payload(n);
        if (payload.size() != payload_bytes) throw std::runtime_error("bench message size drifted");
        auto a = dedupe::admission_of(tenant, channel::email, std::move(payload));
        if (!a) throw std::runtime_error("bench message is invalid: " + a.error().to_string());
        pool.push_back(std::move(*a));
    }
    return pool;
}

// The pool cut into batches of `depth`, in order.
std::vector<std::vector<queue::admission>> batches_of(const std::vector<queue::admission>& pool,
                                                      std::size_t depth) {
    std::vector<std::vector<queue::admission>> out;
    for (std::size_t i = 0; i + depth <= pool.size(); i += depth)
        out.emplace_back(pool.begin() + static_cast<std::ptrdiff_t>(i),
                         pool.begin() + static_cast<std::ptrdiff_t>(i + depth));
    return out;
}

// ---- the environment ------------------------------------------------------------

struct environment {
    environment();

    test::redis_server server{{"--appendfsync", "everysec"}};
    asio::io_context ioc;
    redis::client client;
    // The defaults (16 shards, batch 128, inflight 256, guard defaults),
    // except the sender-domain guard, off: no domain is verified here
    // unless a benchmark publishes one (BM_admit_verified_domain).
    config cfg = [] {
        config c;
        c.domains.require_verified = 0;
        return c;
    }();
    std::vector<std::string> tenants = tenants_covering(cfg.queue.shards);
    std::vector<queue::admission> pool = message_pool(tenants);
};

std::optional<environment> the_env;

// Runs `co` on `ioc` until it finishes. A coroutine still running after
// `drive_limit` holds references to the caller's frame: that is fatal.
void drive(asio::io_context& ioc, asio::awaitable<void> co) {
    bool done = false;
    std::exception_ptr err;
    asio::co_spawn(ioc, std::move(co), [&](std::exception_ptr e) {
        done = true;
        err = e;
        ioc.stop();
    });
    ioc.restart();
    ioc.run_for(drive_limit);
    if (err) std::rethrow_exception(err);
    if (!done) {
        std::fprintf(stderr, "queue_bench: a benchmark did not finish in time\n");
        std::_Exit(2);
    }
}

// An empty Redis, prepared as herald prepares it at start-up.
asio::awaitable<result<void>> reset_redis(environment& e) {
    auto flushed = co_await e.client.exec(redis::cmd("FLUSHALL"));
    if (!flushed) co_return flushed.error();
    auto ready = co_await app::prepare_redis(e.client, e.cfg);
    co_return ready;
}

asio::awaitable<void> set_up(environment& e, result<void>& out) {
    out = co_await reset_redis(e);
}

environment::environment()
    : client(ioc.get_executor(), *redis::endpoint::parse(server.url()), redis::client_options{}) {
    client.start();
    result<void> ready = make_error(errc::internal, "set-up did not run");
    drive(ioc, set_up(*this, ready));
    if (!ready) throw std::runtime_error("bench set-up failed: " + ready.error().to_string());
}

void skip(benchmark::State& state, const std::string& why) {
    state.SkipWithError(why.c_str());
}

// ---- Redis' share ------------------------------------------------------------------

// Seconds of CPU Redis' main thread has used (it runs every command and
// function, so it is what saturates), or a negative value if unknown.
double main_thread_cpu(const redis::reply& info) {
    double total = 0;
    int found = 0;
    for (std::string_view key : {"used_cpu_user_main_thread:", "used_cpu_sys_main_thread:"}) {
        const auto at = info.str.find(key);
        if (at == std::string::npos) continue;
        total += std::strtod(info.str.c_str() + at + key.size(), nullptr);
        ++found;
    }
    return found == 2 ? total : -1;
}

asio::awaitable<double> main_thread_cpu(environment& e) {
    auto info = co_await e.client.exec(redis::cmd("INFO", "cpu"));
    co_return info ? main_thread_cpu(*info) : -1;
}

// What a timed loop keeps beside the timer: messages since the last flush
// (the first batch flushes), and Redis' CPU minus what the flushes cost.
struct loop_books {
    // Settings published after each flush (e.g. quotas to count against).
    std::vector<std::pair<std::string, std::string>> settings;
    std::size_t since_flush = pool_size;
    double redis_cpu_at_start = -1;
    double redis_cpu_flushing = 0;
    bool raw = false;  // as a plain FCALL producer: no recipients given
    // The pool's From domain, verified for every tenant after each flush.
    std::string verified_domain;
};

// The pool without the recipients herald's producer vouches for: the
// function decodes each payload and checks its shape itself.
std::vector<queue::admission> raw_pool(std::vector<queue::admission> pool) {
    for (auto& a : pool)
        a.recipients.clear();
    return pool;
}

// Flushes outside the timed region once the pool has been used up.
asio::awaitable<bool> flush_when_due(benchmark::State& state, environment& e, loop_books& b) {
    if (b.since_flush < pool_size) co_return true;
    state.PauseTiming();
    const double before = co_await main_thread_cpu(e);
    if (b.redis_cpu_at_start < 0) b.redis_cpu_at_start = before;
    auto reset = co_await reset_redis(e);
    if (reset && !b.settings.empty())
        reset = co_await queue::publish_settings(e.client, e.cfg.queue.shards, b.settings);
    for (std::size_t t = 0; reset && !b.verified_domain.empty() && t < e.tenants.size(); ++t)
        reset = co_await domains::publish_sender_state(e.client, e.cfg.queue.shards, e.tenants[t],
                                                       b.verified_domain, domains::state_verified);
    const double after = co_await main_thread_cpu(e);
    state.ResumeTiming();
    b.redis_cpu_flushing += after - before;
    b.since_flush = 0;
    if (!reset) skip(state, "reset failed: " + reset.error().to_string());
    co_return static_cast<bool>(reset);
}

// Rates per message: messages/s, payload bytes/s, and the microseconds of
// Redis' main thread each message cost.
asio::awaitable<void> report(benchmark::State& state, environment& e, const loop_books& b,
                             std::int64_t per_iteration) {
    const double end = co_await main_thread_cpu(e);
    state.SetItemsProcessed(state.iterations() * per_iteration);
    state.SetBytesProcessed(state.items_processed() * static_cast<std::int64_t>(payload_bytes));
    if (end >= 0 && b.redis_cpu_at_start >= 0 && state.items_processed() > 0)
        state.counters["redis_cpu_us_per_msg"] =
            (end - b.redis_cpu_at_start - b.redis_cpu_flushing) * 1e6 /
            static_cast<double>(state.items_processed());
}

// ---- admission --------------------------------------------------------------------

asio::awaitable<void> admit_loop(benchmark::State& state, environment& e, loop_books books = {}) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    const auto batches = batches_of(books.raw ? raw_pool(e.pool) : e.pool, depth);
    queue::producer producer(e.client, e.cfg.queue.shards);
    std::size_t next = 0;
    for (auto _ : state) {
        auto ok = co_await flush_when_due(state, e, books);
        if (!ok) co_return;
        if (books.since_flush == 0) next = 0;
        auto results = co_await producer.admit_batch(batches[next++]);
        for (const auto& r : results) {
            if (!r || r->duplicate) {
                skip(state, "admission refused: " +
                                (r ? std::string("duplicate") : r.error().to_string()));
                co_return;
            }
        }
        books.since_flush += depth;
    }
    co_await report(state, e, books, static_cast<std::int64_t>(depth));
}

void BM_admit_pipelined(benchmark::State& state) {
    drive(the_env->ioc, admit_loop(state, *the_env));
}

// The same with daily and monthly volume quotas in force, so every
// admission also checks and charges them (issue 5).
void BM_admit_with_quotas(benchmark::State& state) {
    loop_books books;
    books.settings = {{"quota.email.day", "1000000000"}, {"quota.email.month", "1000000000"}};
    drive(the_env->ioc, admit_loop(state, *the_env, std::move(books)));
}

// The same with the sender-domain guard on (issue 12): every message's
// From domain is verified for its tenant, so the guard looks it up in the
// tenant's cached domain states and passes it. Its rate over
// BM_admit_pipelined's is the guard's price; run the two alternately.
void BM_admit_verified_domain(benchmark::State& state) {
    loop_books books;
    books.settings = {{"domains.require_verified", "1"}};
    books.verified_domain = "acme.example";
    drive(the_env->ioc, admit_loop(state, *the_env, std::move(books)));
}

// The same messages from a plain FCALL producer (any language): the
// function decodes each JSON payload and checks its shape (issue 10).
void BM_admit_raw(benchmark::State& state) {
    loop_books books;
    books.raw = true;
    drive(the_env->ioc, admit_loop(state, *the_env, std::move(books)));
}

// `depth` producers admitting one message each at the same moment, as
// concurrent API requests do, through the group-committing admitter: it
// gathers them into round trips of its own.
asio::awaitable<void> concurrent_loop(benchmark::State& state, environment& e) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    const auto batches = batches_of(e.pool, depth);
    queue::producer producer(e.client, e.cfg.queue.shards);
    queue::admitter admitter(e.ioc.get_executor(), producer);
    auto ex = co_await asio::this_coro::executor;
    loop_books books;
    std::size_t next = 0;
    for (auto _ : state) {
        auto ok = co_await flush_when_due(state, e, books);
        if (!ok) co_return;
        if (books.since_flush == 0) next = 0;
        std::size_t answered = 0, refused = 0;
        asio::steady_timer all_in(ex, asio::steady_timer::time_point::max());
        for (const auto& a : batches[next])
            asio::co_spawn(ex, admitter.admit(a),
                           [&](std::exception_ptr, result<queue::admitted> r) {
                               refused += !r || r->duplicate;
                               if (++answered == depth) all_in.cancel();
                           });
        while (answered < depth)
            co_await all_in.async_wait(asio::as_tuple(asio::use_awaitable));
        ++next;
        if (refused > 0) {
            skip(state, "admissions refused");
            co_return;
        }
        books.since_flush += depth;
    }
    state.counters["round_trips_per_iteration"] =
        static_cast<double>(admitter.round_trips()) / static_cast<double>(state.iterations());
    co_await report(state, e, books, static_cast<std::int64_t>(depth));
}

void BM_admit_concurrent(benchmark::State& state) {
    drive(the_env->ioc, concurrent_loop(state, *the_env));
}

// ---- rate limiter decisions ----------------------------------------------------------

// herald_throttle (GCRA) over 1,024 destination domains, pipelined, with a
// limit high enough that every decision is "allowed" and writes its TAT.
asio::awaitable<void> throttle_loop(benchmark::State& state, environment& e) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    std::vector<std::string> keys;
    for (int d = 0; d < 1024; ++d)
        keys.push_back("hd:{d:d" + std::to_string(d) + ".example}:rl");
    std::size_t next = 0;
    for (auto _ : state) {
        std::vector<redis::command> cmds;
        cmds.reserve(depth);
        const std::string now = std::to_string(wall_clock().now_ms());
        for (std::size_t i = 0; i < depth; ++i)
            cmds.push_back(redis::cmd("FCALL", "herald_throttle", "1", keys[next++ % keys.size()],
                                      now, "1000000", "1000", "1000", "1"));
        auto replies = co_await e.client.pipeline(std::move(cmds));
        if (!replies || (*replies)[0].is_error() || (*replies)[0][0].integer != 0) {
            skip(state, "throttle failed");
            co_return;
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(depth));
}

void BM_throttle_pipelined(benchmark::State& state) {
    drive(the_env->ioc, throttle_loop(state, *the_env));
}

// ---- lease renewal: what a worker's in-flight messages cost Redis -----------------

// One renewal round (queue/lease_keeper) over `held` real pending entries
// with real leases, spread over every shard as tenants spread them. A
// round is one herald_renew call per shard, pipelined; a worker runs one
// every queue.renew_interval_ms, so Redis calls per second per 1,000
// messages in flight = calls_per_round / renew_interval_s.
asio::awaitable<void> renewal_loop(benchmark::State& state, environment& e) {
    const auto held = static_cast<std::size_t>(state.range(0));
    const auto& q = e.cfg.queue;
    queue::lease_options opt;
    opt.consumer = "bench-renew";
    opt.lease = std::chrono::milliseconds(q.lease_ms);
    queue::lease_keeper keeper(e.ioc.get_executor(), e.client, opt);
    co_await e.client.exec(redis::cmd("FLUSHALL"));
    auto ready = co_await queue::init_shards(e.client, q);
    if (!ready) co_return skip(state, "init failed: " + ready.error().to_string());
    const auto now = std::chrono::steady_clock::now();
    for (std::uint32_t s = 0; s < q.shards; ++s) {
        const auto key = queue::ingress_key(s, channel::email);
        const std::size_t n = held / q.shards + (s < held % q.shards ? 1 : 0);
        std::vector<redis::command> adds;
        for (std::size_t i = 0; i < n; ++i)
            adds.push_back(redis::cmd("XADD", key, "*", "v", "1"));
        auto added = co_await e.client.pipeline(std::move(adds));
        if (!added) co_return skip(state, "XADD failed");
        redis::command claim{"FCALL",
                             "herald_claim",
                             "1",
                             queue::shard_prefix(s),
                             opt.consumer,
                             std::to_string(opt.lease.count()),
                             "0",
                             std::to_string(opt.keep.count()),
                             std::to_string(opt.stall.count())};
        auto read = co_await e.client.exec(redis::cmd("XREADGROUP", "GROUP", queue::group_name,
                                                      opt.consumer, "COUNT", std::to_string(n),
                                                      "STREAMS", key, ">"));
        if (!read || read->is_nil()) co_return skip(state, "XREADGROUP failed");
        for (const auto& entry : (*read)[0][1].elements) {
            const auto id = message_id::from_entry(entry[0].str, channel::email, s)->str();
            claim.insert(claim.end(), {id, "t", "email", "1", ""});
            keeper.hold(id, s, channel::email, entry[0].str, now);
        }
        auto claimed = co_await e.client.exec(std::move(claim));
        if (!claimed || !claimed->is_array()) co_return skip(state, "claim failed");
    }
    for (auto _ : state)
        co_await keeper.renew_all();
    const auto& c = keeper.counters();
    if (c.lost > 0 || c.failed_rounds > 0) co_return skip(state, "a renewal failed");
    const double calls_per_round = static_cast<double>(c.calls) / static_cast<double>(c.rounds);
    state.counters["calls_per_round"] = calls_per_round;
    state.counters["calls_per_s_per_1000"] =
        calls_per_round * 1000.0 / q.renew_interval_ms * 1000.0 / static_cast<double>(held);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(held));
}

void BM_lease_renewal(benchmark::State& state) {
    drive(the_env->ioc, renewal_loop(state, *the_env));
}

// ---- the baseline: plain XADD through the same client -----------------------------

asio::awaitable<void> xadd_loop(benchmark::State& state, environment& e) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    const std::string key = "bench:xadd";
    loop_books books;
    std::size_t next = 0;
    for (auto _ : state) {
        auto ok = co_await flush_when_due(state, e, books);
        if (!ok) co_return;
        if (books.since_flush == 0) next = 0;
        // Built per batch, as admit_batch builds its commands.
        std::vector<redis::command> cmds;
        cmds.reserve(depth);
        for (std::size_t i = 0; i < depth; ++i)
            cmds.push_back(redis::cmd("XADD", key, "*", "payload", e.pool[next++].payload));
        auto replies = co_await e.client.pipeline(std::move(cmds));
        if (!replies) {
            skip(state, "XADD failed: " + replies.error().to_string());
            co_return;
        }
        for (const auto& r : *replies) {
            if (r.is_error()) {
                skip(state, "XADD failed: " + r.str);
                co_return;
            }
        }
        books.since_flush += depth;
    }
    co_await report(state, e, books, static_cast<std::int64_t>(depth));
}

void BM_redis_xadd_baseline(benchmark::State& state) {
    drive(the_env->ioc, xadd_loop(state, *the_env));
}

// ---- the floor: appending alone, in admission's shape ------------------------------

// What admission costs without its guards: a function called like
// herald_admit_batch (one call per shard, the same eight fields per
// message, the same stream fields) that only appends. Admission's rate
// over this one is the price of the guards; this one bounds any admission
// through a Redis function on one Redis core.
constexpr std::string_view floor_library = R"(#!lua name=herald_bench_floor
redis.register_function('herald_bench_append', function(keys, args)
  local out, now = {}, args[1]
  for i = 2, #args, 8 do
    local entry = redis.call('XADD', keys[1] .. ':in:' .. args[i + 1], '*', 'v', '1',
      'tenant', args[i], 'payload', args[i + 2], 'created', now, 'expires', now,
      'attempt', '0', 'units', '1')
    out[#out + 1] = {'ok', entry}
  end
  return out
end))";

std::vector<redis::command> floor_calls(const std::vector<queue::admission>& batch,
                                        std::uint32_t shards) {
    std::map<std::uint32_t, redis::command> by_shard;
    const std::string now = std::to_string(wall_clock().now_ms());
    for (const auto& a : batch) {
        const auto shard = queue::shard_of(a.tenant, shards);
        auto& c = by_shard[shard];
        if (c.empty()) c = {"FCALL", "herald_bench_append", "1", queue::shard_prefix(shard), now};
        queue::contract::append_item<queue::contract::admit_fields>(c, a.tenant, "email", a.payload,
                                                                    a.content_hash, "", "", "", "");
    }
    std::vector<redis::command> out;
    for (auto& [shard, c] : by_shard)
        out.push_back(std::move(c));
    return out;
}

asio::awaitable<void> floor_loop(benchmark::State& state, environment& e) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    if (depth / e.cfg.queue.shards > queue::producer::max_call_messages) {
        skip(state, "calls would be larger than the producer's");
        co_return;
    }
    auto loaded = co_await e.client.exec(
        redis::cmd("FUNCTION", "LOAD", "REPLACE", std::string(floor_library)));
    if (!loaded || loaded->is_error()) {
        skip(state, "cannot load the floor function");
        co_return;
    }
    const auto batches = batches_of(e.pool, depth);
    loop_books books;
    std::size_t next = 0;
    for (auto _ : state) {
        auto ok = co_await flush_when_due(state, e, books);
        if (!ok) co_return;
        if (books.since_flush == 0) next = 0;
        auto replies = co_await e.client.pipeline(floor_calls(batches[next++], e.cfg.queue.shards));
        if (!replies || (*replies)[0].is_error()) {
            skip(state, "append failed");
            co_return;
        }
        books.since_flush += depth;
    }
    co_await report(state, e, books, static_cast<std::int64_t>(depth));
}

void BM_append_floor(benchmark::State& state) {
    drive(the_env->ioc, floor_loop(state, *the_env));
}

// ---- consume + ack ----------------------------------------------------------------

// Accepts every message at once, like the tests' scripted transport; stops
// the worker after the `target`-th send.
class noop_transport final : public transport {
public:
    std::size_t target = 0;
    std::size_t sent = 0;
    std::function<void()> on_target;

    std::string_view name() const override { return "noop"; }
    asio::awaitable<outcome> send(const delivery&) override {
        if (++sent == target && on_target) on_target();
        co_return outcome::delivered("ok");
    }
};

// A fresh Redis holding the whole pool, admitted in batches of 256.
asio::awaitable<void> prefill(environment& e, result<void>& out) {
    out = co_await reset_redis(e);
    if (!out) co_return;
    queue::producer producer(e.client, e.cfg.queue.shards);
    for (const auto& batch : batches_of(e.pool, 256)) {
        auto results = co_await producer.admit_batch(batch);
        for (const auto& r : results) {
            if (!r || r->duplicate) {
                out = r ? make_error(errc::internal, "duplicate in the pool") : r.error();
                co_return;
            }
        }
    }
}

// Runs the worker until it stops; a worker that never gets there is
// stopped after `worker_limit`, and the run reports the shortfall.
asio::awaitable<void> run_worker(queue::worker& w) {
    asio::steady_timer watchdog(co_await asio::this_coro::executor, worker_limit);
    watchdog.async_wait([&w](boost::system::error_code ec) {
        if (!ec) w.stop();
    });
    co_await w.run();
    watchdog.cancel();
}

// What the worker left behind: entries still in the streams or pending.
std::int64_t leftovers(const environment& e) {
    std::int64_t n = 0;
    for (std::uint32_t s = 0; s < e.cfg.queue.shards; ++s) {
        for (auto ch : {channel::email, channel::sms}) {
            const auto key = queue::ingress_key(s, ch);
            n += e.server.cmd({"XLEN", key}).integer;
            auto pending = e.server.cmd({"XPENDING", key, std::string(queue::group_name)});
            if (pending.size() > 0) n += pending[0].integer;
        }
    }
    return n;
}

void BM_consume_ack(benchmark::State& state) {
    auto& e = *the_env;
    static const wall_clock clk;
    queue_config q = e.cfg.queue;
    // Only the tail depends on it: the worker's last XREADGROUP blocks this
    // long on an empty queue, and the last settle waits behind it on the
    // same connection. 10 ms keeps that out of the rate; with data waiting,
    // XREADGROUP returns at once whatever the value.
    q.block_ms = 10;
    double redis_cpu = 0;
    for (auto _ : state) {
        result<void> filled;
        drive(e.ioc, prefill(e, filled));
        if (!filled) return skip(state, "prefill failed: " + filled.error().to_string());
        noop_transport t;
        queue::worker w(e.ioc.get_executor(), e.client, t, clk,
                        {"bench-worker", q, queue::limits_from(q)});
        t.target = pool_size;
        t.on_target = [&] { asio::post(e.ioc, [&w] { w.stop(); }); };
        const double cpu_before = main_thread_cpu(e.server.cmd({"INFO", "cpu"}));
        const auto start = steady::now();
        drive(e.ioc, run_worker(w));
        const std::chrono::duration<double> took = steady::now() - start;
        state.SetIterationTime(took.count());
        redis_cpu += main_thread_cpu(e.server.cmd({"INFO", "cpu"})) - cpu_before;
        if (t.sent != pool_size || w.counters().delivered != pool_size)
            return skip(state,
                        "sent " + std::to_string(t.sent) + " of " + std::to_string(pool_size));
        if (auto left = leftovers(e); left != 0)
            return skip(state, std::to_string(left) + " entries left unsettled");
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pool_size));
    state.counters["redis_cpu_us_per_msg"] =
        redis_cpu * 1e6 / static_cast<double>(state.items_processed());
}

// Depth: messages per round trip, spread over the 16 shards (so 1024 makes
// calls of 64 messages). Admission, its floor and plain XADD at each one.
void every_depth(benchmark::internal::Benchmark* b) {
    for (int depth : {1, 16, 64, 256, 1024})
        b->Arg(depth);
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_admit_pipelined)->Apply(every_depth);
BENCHMARK(BM_admit_verified_domain)->Apply(every_depth);
BENCHMARK(BM_admit_raw)->Arg(256)->Arg(1024)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_admit_with_quotas)->Arg(64)->Arg(1024)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_admit_concurrent)->Arg(64)->Arg(1024)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_append_floor)->Apply(every_depth);
BENCHMARK(BM_throttle_pipelined)->Arg(1)->Arg(64)->Arg(256)->UseRealTime();
BENCHMARK(BM_redis_xadd_baseline)->Apply(every_depth);
BENCHMARK(BM_lease_renewal)->Arg(1000)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_consume_ack)->UseManualTime()->Unit(benchmark::kMillisecond);

std::string redis_version(const environment& e) {
    const auto info = e.server.cmd({"INFO", "server"}).str;
    const std::string tag = "redis_version:";
    const auto at = info.find(tag);
    if (at == std::string::npos) return "unknown";
    const auto from = at + tag.size();
    return info.substr(from, info.find_first_of("\r\n", from) - from);
}

}  // namespace
}  // namespace herald::bench

int main(int argc, char** argv) {
    using namespace herald::bench;
    if (argc == 2 && std::strcmp(argv[1], "--print_payload") == 0) {
        std::cout << email_payload(0);
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    herald::log::configure(herald::log::level::warn, false);
    try {
        the_env.emplace();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "queue_bench: %s\n", e.what());
        return 1;
    }
    benchmark::AddCustomContext("redis_version", redis_version(*the_env));
    benchmark::AddCustomContext("redis_persistence", "appendonly yes, appendfsync everysec");
    benchmark::AddCustomContext("payload_bytes", std::to_string(payload_bytes));
    benchmark::AddCustomContext("distinct_messages", std::to_string(pool_size));
    benchmark::AddCustomContext("queue_shards", std::to_string(the_env->cfg.queue.shards));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    the_env.reset();
    return 0;
}
