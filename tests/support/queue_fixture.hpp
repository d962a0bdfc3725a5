// A queue on a real redis-server for worker tests: the library loaded,
// the shards laid out, a test clock, small intervals so tests run fast,
// and helpers to admit messages and to run a worker until a condition
// holds (bounded in time).
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/transport.hpp"
#include "queue/keys.hpp"
#include "queue/library.hpp"
#include "queue/producer.hpp"
#include "queue/worker.hpp"
#include "ratelimit/domain_throttle.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>

namespace herald::test {

// A transport whose answers a test scripts; it records every call.
class scripted_transport final : public transport {
public:
    std::function<outcome(const delivery&)> script = [](const delivery&) {
        return outcome::delivered("ok");
    };
    std::vector<std::string> calls;  // message ids, one per send
    std::map<std::string, int> attempts_seen;

    std::string_view name() const override { return "scripted"; }
    boost::asio::awaitable<outcome> send(const delivery& d) override {
        calls.push_back(d.id.str());
        attempts_seen[d.id.str()] = d.attempt;
        co_return script(d);
    }
    int calls_for(const std::string& id) const {
        return static_cast<int>(std::count(calls.begin(), calls.end(), id));
    }
};

class queue_fixture : public ::testing::Test {
protected:
    queue_fixture();
    void SetUp() override;

    // Admits one message given as JSON; fails the test on refusal.
    message_id admit(const std::string& tenant, const std::string& json,
                     channel ch = channel::email);
    result<queue::admitted> try_admit(const std::string& tenant, const std::string& json,
                                      channel ch = channel::email);
    result<queue::admitted> try_admit(const queue::admission& a);

    // Runs a worker until `done()` holds or `limit` passes, then drains it.
    // Returns whether `done()` held.
    bool run_worker(transport& t, const std::function<bool()>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(10),
                    const std::string& consumer = "test-worker");

    queue::worker_options worker_options(const std::string& consumer);

    // For `herald work` processes: the [redis], [queue] and [domains]
    // (require_verified off) sections of a config file with this fixture's
    // server and q, and lease timings the config check accepts with a 500 ms
    // Redis timeout. Tests append the rest.
    void use_process_lease_timings();
    std::string process_config(std::uint32_t drain_timeout_ms) const;
    // The same, with the smtp transport relaying to 127.0.0.1:`port` without
    // TLS, logging at info.
    std::string relay_config(std::uint32_t drain_timeout_ms, std::uint16_t port) const;
    // Messages waiting in the retry schedules of every shard (retries and
    // held-back ones).
    std::int64_t retry_len() const;

    // The key prefix of the tenant's shard, "hd:{sN}".
    std::string prefix(const std::string& tenant) const;
    // Another tenant on `tenant`'s shard, for tests of what shard-wide keys
    // must keep apart.
    std::string neighbour_of(const std::string& tenant) const;
    // A tenant's own setting, as `herald tenant set` writes it.
    void set(const std::string& tenant, const std::string& name, const std::string& value) const;

    std::int64_t count(const std::vector<std::string>& argv) const;
    std::int64_t total_len(channel ch) const;  // entries in all ingress streams
    std::int64_t dead_count() const;
    // All dead letters as field maps.
    std::vector<std::map<std::string, std::string>> dead_letters() const;

    // Long enough for an 11 MB entry on a loaded machine (worker_test's oversize case).
    static constexpr std::uint32_t redis_timeout_ms = 1000;
    redis_server server;
    boost::asio::io_context ioc;
    redis::client client;
    test_clock clk;
    // As app/ wires it: no default, domains with their own limit (read at once).
    ratelimit::domain_throttle domains{client, clk, {0, 0, std::chrono::milliseconds(0)}};
    queue_config q;
    config cfg;  // q is copied into cfg.queue at SetUp; domains.require_verified is 0
};

std::string email_json(const std::string& to, const std::string& subject = "hello");

// An email as `herald enqueue` admits it: with its content hash and its
// recipients computed on this side.
queue::admission enqueued_email(const std::string& tenant, const std::string& json,
                                const std::string& idempotency_key = "");

}  // namespace herald::test
