#include "tests/support/queue_fixture.hpp"

#include <sstream>

#include "app/bootstrap.hpp"
#include "dedupe/admission.hpp"
#include "queue/keys.hpp"

#include <boost/asio/co_spawn.hpp>

namespace herald::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string email_json(const std::string& to, const std::string& subject) {
    return R"({"from":"app@example.com","to":[")" + to + R"("],"subject":")" + subject +
           R"(","text":"hi"})";
}

queue::admission enqueued_email(const std::string& tenant, const std::string& json,
                                const std::string& idempotency_key) {
    auto a = dedupe::admission_of(tenant, channel::email, json, idempotency_key);
    EXPECT_TRUE(a) << json;
    if (!a) return {.tenant = tenant, .ch = channel::email, .payload = json};
    return *a;
}

queue_fixture::queue_fixture()
    : client(
          ioc.get_executor(), *redis::endpoint::parse(server.url()),
          redis::client_options{std::chrono::milliseconds(redis_timeout_ms), 500ms, 20ms, 200ms}),
      clk(wall_clock().now_ms()) {
    q.shards = 4;
    q.batch = 16;
    q.block_ms = 20;
    q.inflight = 64;
    q.schedule_interval_ms = 10;
    q.reclaim_interval_ms = 50;
    // Lease timings the config check accepts for this client's timeout:
    // 3 x (renew_interval_ms + redis_timeout_ms) < lease_ms < reclaim_idle_ms.
    q.renew_interval_ms = 20;
    q.lease_ms = 3200;
    q.reclaim_idle_ms = 3600;
    q.backoff_base_ms = 1000;
    q.backoff_cap_ms = 60000;
    q.max_attempts = 4;
    q.max_age_s = 3600;
    q.drain_timeout_ms = 2000;
}

void queue_fixture::SetUp() {
    client.start();
    cfg.queue = q;
    // Tests send From domains nobody verified; tests/domains turns it on.
    cfg.domains.require_verified = 0;
    auto ready = run(ioc, app::prepare_redis(client, cfg));
    ASSERT_TRUE(ready) << ready.error().to_string();
}

result<queue::admitted> queue_fixture::try_admit(const queue::admission& a) {
    queue::producer p(client, q.shards, &clk);
    std::vector<queue::admission> one{a};
    auto r = run(ioc, p.admit_batch(one));
    return r.front();
}

result<queue::admitted> queue_fixture::try_admit(const std::string& tenant, const std::string& json,
                                                 channel ch) {
    return try_admit({.tenant = tenant, .ch = ch, .payload = json});
}

message_id queue_fixture::admit(const std::string& tenant, const std::string& json, channel ch) {
    auto r = try_admit(tenant, json, ch);
    if (!r) throw std::runtime_error("admission refused: " + r.error().to_string());
    return r->id;
}

bool queue_fixture::run_worker(transport& t, const std::function<bool()>& done,
                               std::chrono::milliseconds limit, const std::string& consumer) {
    queue::worker w(ioc.get_executor(), client, t, clk, worker_options(consumer));
    bool finished = false;
    asio::co_spawn(ioc, w.run(), [&](std::exception_ptr) { finished = true; });
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool held = false;
    while (!(held = done()) && std::chrono::steady_clock::now() < deadline)
        ioc.run_one_for(5ms);
    w.stop();
    const auto drain_deadline = std::chrono::steady_clock::now() + 10s;
    while (!finished && std::chrono::steady_clock::now() < drain_deadline)
        ioc.run_one_for(5ms);
    EXPECT_TRUE(finished) << "worker did not drain";
    return held;
}

void queue_fixture::use_process_lease_timings() {
    // 3 x (100 + 500) < 2000 < 2500: the config check's relations hold.
    q.renew_interval_ms = 100;
    q.lease_ms = 2000;
    q.reclaim_idle_ms = 2500;
    q.reclaim_interval_ms = 100;
    q.block_ms = 50;
}

std::string queue_fixture::process_config(std::uint32_t drain_timeout_ms) const {
    std::ostringstream out;
    out << "[redis]\nurl = \"" << server.url() << "\"\ntimeout_ms = 500\n"
        << "[queue]\nshards = " << q.shards << "\nbatch = " << q.batch
        << "\ninflight = " << q.inflight << "\nblock_ms = " << q.block_ms
        << "\nlease_ms = " << q.lease_ms << "\nrenew_interval_ms = " << q.renew_interval_ms
        << "\nschedule_interval_ms = " << q.schedule_interval_ms
        << "\nreclaim_idle_ms = " << q.reclaim_idle_ms
        << "\nreclaim_interval_ms = " << q.reclaim_interval_ms
        << "\ndrain_timeout_ms = " << drain_timeout_ms
        << "\n"
        // Mail From domains nobody verified, as in every queue test.
        << "[domains]\nrequire_verified = 0\n";
    return out.str();
}

std::string queue_fixture::relay_config(std::uint32_t drain_timeout_ms, std::uint16_t port) const {
    return process_config(drain_timeout_ms) + "[transport]\nkind = \"smtp\"\n" +
           "[smtp]\nmode = \"relay\"\nrelay_host = \"127.0.0.1\"\nrelay_port = " +
           std::to_string(port) + "\ntls = \"none\"\n[log]\nlevel = \"info\"\n";
}

std::int64_t queue_fixture::retry_len() const {
    std::int64_t n = 0;
    for (std::uint32_t s = 0; s < q.shards; ++s)
        n += count({"ZCARD", queue::shard_prefix(s) + std::string(queue::key_suffix("retry"))});
    return n;
}

queue::worker_options queue_fixture::worker_options(const std::string& consumer) {
    return {consumer, q, queue::limits_from(q), &domains, redis_timeout_ms};
}

std::string queue_fixture::prefix(const std::string& tenant) const {
    return queue::shard_prefix(queue::shard_of(tenant, q.shards));
}

std::string queue_fixture::neighbour_of(const std::string& tenant) const {
    const auto shard = queue::shard_of(tenant, q.shards);
    for (int i = 0;; ++i) {
        const std::string t = "n" + std::to_string(i);
        if (t != tenant && queue::shard_of(t, q.shards) == shard) return t;
    }
}

void queue_fixture::set(const std::string& tenant, const std::string& name,
                        const std::string& value) const {
    server.cmd({"FCALL", "herald_settings", "1", prefix(tenant), "set", tenant, name, value});
}

std::int64_t queue_fixture::count(const std::vector<std::string>& argv) const {
    return server.cmd(argv).integer;
}

std::int64_t queue_fixture::total_len(channel ch) const {
    std::int64_t n = 0;
    for (std::uint32_t s = 0; s < q.shards; ++s)
        n += count({"XLEN", queue::ingress_key(s, ch)});
    return n;
}

std::int64_t queue_fixture::dead_count() const {
    std::int64_t n = 0;
    for (std::uint32_t s = 0; s < q.shards; ++s)
        n += count({"XLEN", queue::dead_key(s)});
    return n;
}

std::vector<std::map<std::string, std::string>> queue_fixture::dead_letters() const {
    std::vector<std::map<std::string, std::string>> out;
    for (std::uint32_t s = 0; s < q.shards; ++s) {
        auto r = server.cmd({"XRANGE", queue::dead_key(s), "-", "+"});
        for (const auto& e : r.elements) {
            std::map<std::string, std::string> f;
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                f[e[1][i].str] = e[1][i + 1].str;
            out.push_back(std::move(f));
        }
    }
    return out;
}

}  // namespace herald::test
