// The webhook dispatcher on a real redis-server, POSTing to a real
// receiver on 127.0.0.1 (webhook_receiver.py) that checks every signature
// with Python's hmac and answers 401 to anything it cannot verify: signed
// batches delivered in order and filtered; a wrong secret refused; a
// receiver down retried, dead-lettered within the budget, and delivered
// once on replay; two dispatchers sharing the streams without a batch or
// an event twice; a private target refused before each POST; a slow
// endpoint not holding back another; a dead dispatcher's entries claimed;
// events trimmed unread reported.
#include "core/log.hpp"
#include "ops/webhook_dispatcher.hpp"
#include "ops/webhook_signature.hpp"
#include "ops/webhook_store.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <set>

namespace herald::ops {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Dispatchers running on the test's io_context until a condition holds;
// stopped and drained (bounded) by finish() or the destructor.
class running {
public:
    running(boost::asio::io_context& ioc, std::vector<webhook_dispatcher*> ds)
        : ioc_(ioc), ds_(std::move(ds)) {
        for (auto* d : ds_)
            boost::asio::co_spawn(ioc_, d->run(), [this](std::exception_ptr e) {
                ++finished_;
                if (e) failed_ = true;
            });
    }
    ~running() { finish(); }

    bool until(const std::function<bool()>& done, std::chrono::milliseconds limit = 15s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            ioc_.restart();
            ioc_.run_one_for(10ms);
        }
        return true;
    }
    void finish() {
        for (auto* d : ds_)
            d->stop();
        until([&] { return finished_ == ds_.size(); }, 20s);
        EXPECT_FALSE(failed_);
    }

private:
    boost::asio::io_context& ioc_;
    std::vector<webhook_dispatcher*> ds_;
    std::size_t finished_ = 0;
    bool failed_ = false;
};

struct webhook_dispatch_test : test::queue_fixture {
    const std::string tenant = "acme";
    test::scratch_dir dir{"herald-webhooks"};
    fs::path secrets = dir.path() / "secrets";
    webhooks_config hooks;
    wall_clock wall;  // retries and budgets run on real time here

    webhook_dispatch_test() {
        hooks.allow_http = 1;
        hooks.allow_private = 1;
        hooks.timeout_ms = 3000;
        hooks.backoff_base_ms = 20;
        hooks.backoff_cap_ms = 100;
        hooks.batch_max = 100;
    }

    std::unique_ptr<test::fake_http> receiver(std::uint16_t port = 0) {
        test::fake_http_options o;
        o.script = HERALD_WEBHOOK_RECEIVER;
        o.args = {"--secrets", secrets.string()};
        if (port) o.args.insert(o.args.end(), {"--port", std::to_string(port)});
        return std::make_unique<test::fake_http>(o);
    }
    void trust(const std::string& secret) {
        std::ofstream(secrets, std::ios::app) << secret << "\n";
    }

    dispatcher_options options(const std::string& consumer) {
        dispatcher_options o;
        o.shards = q.shards;
        o.hooks = hooks;
        o.consumer = consumer;
        o.block = 50ms;
        o.poll = 20ms;
        o.reclaim_idle = 60s;
        o.lag_check = 60s;
        o.drain = 2s;
        return o;
    }
    // An endpoint stored as registration stores it (the checks are
    // webhook_target_test's).
    webhook_endpoint endpoint(const std::string& url, const std::string& events = "",
                              const std::string& who = "acme") {
        webhook_endpoint e{
            new_endpoint_id(),     url, *webhook_filter::parse(events), new_webhook_secret(),
            wall_clock{}.now_ms(), 0};
        auto r = test::run(ioc, add_endpoint(client, q.shards, who, e, 10));
        EXPECT_TRUE(r) << r.error().to_string();
        return e;
    }
    bool groups_ready() {
        for (std::uint32_t s = 0; s < q.shards; ++s) {
            auto r = server.cmd({"XINFO", "GROUPS", queue::events_key(s)});
            if (!r.is_array() || r.size() == 0) return false;
        }
        return true;
    }
    // An event as herald writes it: type, tenant, id, ts, fields.
    void emit(const std::string& type, const std::string& id, const std::string& who = "acme",
              std::vector<std::string> fields = {}) {
        std::vector<std::string> c{"XADD",
                                   queue::events_key(queue::shard_of(who, q.shards)),
                                   "MAXLEN",
                                   "~",
                                   std::to_string(queue::contract::events_max),
                                   "*",
                                   "type",
                                   type,
                                   "tenant",
                                   who,
                                   "id",
                                   id,
                                   "ts",
                                   std::to_string(wall_clock{}.now_ms())};
        c.insert(c.end(), fields.begin(), fields.end());
        server.cmd(c);
    }
    std::int64_t pending(const webhook_endpoint& e, const std::string& who = "acme") {
        return count(
            {"ZCARD", queue::webhook_queue_key(queue::shard_of(who, q.shards), who, e.id)});
    }
    std::int64_t unacked(const std::string& stream) {
        return server.cmd({"XPENDING", stream, "webhooks"})[0].integer;
    }
    dead_batches dead() {
        auto r = test::run(ioc, list_dead_batches(client, q.shards, tenant, 100));
        EXPECT_TRUE(r);
        return r ? *r : dead_batches{};
    }
};

json::object body_of(const test::recorded_request& r) {
    return json::parse(r.body).as_object();
}

std::vector<std::string> event_ids(const json::object& body) {
    std::vector<std::string> out;
    for (const auto& e : body.at("events").as_array())
        out.push_back(json::value_to<std::string>(e.at("id")));
    return out;
}

TEST_F(webhook_dispatch_test, signed_batches_reach_the_receiver_filtered_in_order) {
    auto rx = receiver();
    const auto ep = endpoint(rx->url("/hook"), "message.*,breaker.*");
    trust(ep.secret);
    webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    emit("message.accepted", "m1");
    emit("quota.warning", "");  // not in the filter
    emit("message.delivered", "m1", "acme", {"attempt", "1", "reply", "250 ok"});
    emit("message.delivered", "o1", "other");  // another tenant's
    emit("breaker.opened", "");
    ASSERT_TRUE(run.until([&] { return d.counters().delivered >= 1 && pending(ep) == 0; }))
        << rx->log();
    const auto got = rx->requests();
    ASSERT_GE(got.size(), 1u);
    EXPECT_EQ(d.counters().delivered, got.size()) << "every POST answered 2xx: verified";
    std::vector<std::string> types;
    for (const auto& r : got) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_EQ(r.path, "/hook");
        EXPECT_EQ(r.header("content-type"), "application/json");
        const auto body = body_of(r);
        EXPECT_EQ(r.header("herald-webhook-id"), json::value_to<std::string>(body.at("id")));
        EXPECT_EQ(body.at("tenant"), "acme");
        EXPECT_NE(r.header("herald-webhook-signature")
                      .find("t=" + std::string(r.header("herald-webhook-timestamp")) + ",v1="),
                  std::string::npos);
        for (const auto& e : body.at("events").as_array()) {
            types.push_back(json::value_to<std::string>(e.at("type")));
            EXPECT_EQ(e.at("tenant"), "acme");
            EXPECT_TRUE(e.at("ts").is_int64());
        }
    }
    EXPECT_EQ(types, (std::vector<std::string>{"message.accepted", "message.delivered",
                                               "breaker.opened"}));
    const auto first = body_of(got[0]).at("events").as_array();
    EXPECT_EQ(json::value_to<std::string>(first[1].at("reply")), "250 ok");
    for (std::uint32_t s = 0; s < q.shards; ++s)
        EXPECT_EQ(unacked(queue::events_key(s)), 0) << "all acknowledged";
}

TEST_F(webhook_dispatch_test, a_wrong_secret_is_refused_by_the_receiver_and_retried) {
    auto rx = receiver();
    const auto ep = endpoint(rx->url("/hook"));
    trust(new_webhook_secret());  // the receiver knows another secret: our signature is forged
    webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    emit("message.bounced", "m9");
    ASSERT_TRUE(run.until([&] { return d.counters().retried >= 2; })) << rx->log();
    EXPECT_EQ(d.counters().delivered, 0u);
    EXPECT_EQ(pending(ep), 1);
    trust(ep.secret);
    ASSERT_TRUE(run.until([&] { return d.counters().delivered == 1; }));
    const auto got = rx->requests();
    ASSERT_GE(got.size(), 3u);
    for (const auto& r : got)  // one batch, one id: the receiver's dedupe key
        EXPECT_EQ(r.header("herald-webhook-id"), got[0].header("herald-webhook-id"));
    EXPECT_EQ(pending(ep), 0);
}

TEST_F(webhook_dispatch_test,
       a_receiver_down_is_retried_then_dead_lettered_and_replay_delivers_once) {
    hooks.retry_budget_s = 1;
    const auto port = test::free_port();
    const auto ep = endpoint("http://127.0.0.1:" + std::to_string(port) + "/hook");
    trust(ep.secret);
    webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    emit("message.dead", "m1", "acme", {"reason", "bounced"});
    ASSERT_TRUE(run.until([&] { return d.counters().dead == 1; }, 20s));
    EXPECT_GE(d.counters().retried, 2u) << "retried within the budget first";
    auto dl = dead();
    ASSERT_EQ(dl.items.size(), 1u);
    EXPECT_EQ(dl.items[0].reason, "retry_budget");
    EXPECT_GE(dl.items[0].attempts, 3);
    EXPECT_EQ(dl.items[0].events, 1u);
    EXPECT_NE(dl.items[0].detail.find("onnect"), std::string::npos) << dl.items[0].detail;
    EXPECT_EQ(pending(ep), 0);

    auto rx = receiver(port);  // back up
    auto r = test::run(
        ioc, replay_dead_batches(client, q.shards, tenant, dl.items[0].id, wall_clock{}.now_ms(),
                                 hooks.max_pending, hooks.dead_max));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->count, 1);
    ASSERT_TRUE(run.until([&] { return d.counters().delivered == 1; })) << rx->log();
    // More time for a second copy to show up, if any would.
    const auto settle = std::chrono::steady_clock::now() + 500ms;
    run.until([&] { return std::chrono::steady_clock::now() > settle; });
    const auto got = rx->requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].header("herald-webhook-id"), dl.items[0].id);
    EXPECT_EQ(event_ids(body_of(got[0])), std::vector<std::string>{"m1"});
    EXPECT_EQ(dead().total, 0);
}

TEST_F(webhook_dispatch_test, two_dispatchers_share_the_streams_without_a_batch_twice) {
    auto rx = receiver();
    hooks.batch_max = 7;
    const auto ep = endpoint(rx->url("/hook"));
    trust(ep.secret);
    redis::client second(ioc.get_executor(), *redis::endpoint::parse(server.url()),
                         {std::chrono::milliseconds(redis_timeout_ms)});
    second.start();
    webhook_dispatcher d1(ioc.get_executor(), client, wall, options("d1"));
    webhook_dispatcher d2(ioc.get_executor(), second, wall, options("d2"));
    running run(ioc, {&d1, &d2});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    constexpr int n = 200;
    for (int i = 0; i < n; ++i) {
        emit("message.delivered", "m" + std::to_string(i));
        if (i % 20 == 19) run.until([] { return false; }, 30ms);  // let both read
    }
    ASSERT_TRUE(run.until([&] {
        return d1.counters().events_read + d2.counters().events_read >= n && pending(ep) == 0 &&
               d1.in_flight() + d2.in_flight() == 0;
    })) << rx->log();
    std::multiset<std::string> batches, events;
    for (const auto& r : rx->requests()) {
        batches.insert(std::string(r.header("herald-webhook-id")));
        const auto body = body_of(r);
        EXPECT_LE(body.at("events").as_array().size(), 7u);
        for (const auto& id : event_ids(body))
            events.insert(id);
    }
    EXPECT_EQ(std::set<std::string>(batches.begin(), batches.end()).size(), batches.size())
        << "a batch POSTed twice";
    EXPECT_EQ(events.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(std::set<std::string>(events.begin(), events.end()).size(),
              static_cast<std::size_t>(n))
        << "an event delivered twice";
    EXPECT_EQ(d1.counters().delivered + d2.counters().delivered, batches.size());
    std::cout << "[ measure  ] " << d1.counters().events_read << " + " << d2.counters().events_read
              << " events read by the two dispatchers, " << batches.size() << " batches\n";
}

TEST_F(webhook_dispatch_test, a_private_target_is_refused_before_each_post) {
    auto rx = receiver();
    hooks.allow_private = 0;  // the endpoint was registered while it was allowed
    hooks.retry_budget_s = 1;
    const auto ep = endpoint(rx->url("/hook"));
    trust(ep.secret);
    webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    emit("message.delivered", "m1");
    ASSERT_TRUE(run.until([&] { return d.counters().dead == 1; }, 20s));
    EXPECT_TRUE(rx->requests().empty()) << "no request ever left for 127.0.0.1";
    const auto dl = dead();
    ASSERT_EQ(dl.items.size(), 1u);
    EXPECT_NE(dl.items[0].detail.find("address_refused"), std::string::npos) << dl.items[0].detail;
}

TEST_F(webhook_dispatch_test, a_slow_endpoint_does_not_hold_back_another) {
    hooks.timeout_ms = 8000;
    auto slow = receiver();
    auto fast = receiver();
    slow->script(json::array{json::object{{"delay_ms", 5000}}});
    const auto a = endpoint(slow->url("/slow"));
    const auto b = endpoint(fast->url("/fast"));
    trust(a.secret);
    trust(b.secret);
    webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    emit("message.delivered", "m1");
    ASSERT_TRUE(run.until([&] { return !slow->requests().empty(); }));
    emit("message.delivered", "m2");  // a's second batch waits for its first: one in flight
    ASSERT_TRUE(run.until([&] { return fast->requests().size() >= 2 && pending(b) == 0; }));
    EXPECT_EQ(pending(a), 2) << "a still holds its first batch in flight and the second waits";
    EXPECT_EQ(slow->requests().size(), 1u) << "one request in flight per endpoint";
    ASSERT_TRUE(run.until([&] { return pending(a) == 0; }));
    EXPECT_EQ(slow->requests().size(), 2u);
}

TEST_F(webhook_dispatch_test, entries_a_dead_dispatcher_read_are_claimed_and_delivered) {
    auto rx = receiver();
    const auto ep = endpoint(rx->url("/hook"));
    trust(ep.secret);
    const auto stream = queue::events_key(queue::shard_of(tenant, q.shards));
    for (std::uint32_t s = 0; s < q.shards; ++s)
        server.cmd({"XGROUP", "CREATE", queue::events_key(s), "webhooks", "$", "MKSTREAM"});
    emit("message.delivered", "m1");
    emit("message.delivered", "m2");
    // A dispatcher read them and died before storing anything.
    server.cmd({"XREADGROUP", "GROUP", "webhooks", "crashed", "STREAMS", stream, ">"});
    ASSERT_EQ(unacked(stream), 2);
    auto o = options("d1");
    o.reclaim_idle = 200ms;
    webhook_dispatcher d(ioc.get_executor(), client, wall, o);
    running run(ioc, {&d});
    ASSERT_TRUE(run.until([&] { return d.counters().delivered >= 1 && pending(ep) == 0; }))
        << rx->log();
    EXPECT_EQ(d.counters().reclaimed, 2u);
    std::vector<std::string> ids;
    for (const auto& r : rx->requests())
        for (const auto& id : event_ids(body_of(r)))
            ids.push_back(id);
    EXPECT_EQ(ids, (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ(unacked(stream), 0);
}

TEST_F(webhook_dispatch_test, events_trimmed_before_the_group_read_them_are_reported) {
    std::mutex mu;
    std::vector<std::string> lines;
    log::set_sink([&](std::string_view l) {
        std::lock_guard lock(mu);
        lines.emplace_back(l);
    });
    {
        webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
        running run(ioc, {&d});
        ASSERT_TRUE(run.until([&] { return groups_ready(); }));
    }
    // No dispatcher runs while 25,000 events come: the stream keeps ~10,000.
    const auto stream = queue::events_key(queue::shard_of(tenant, q.shards));
    constexpr int n = 25000;
    for (int at = 0; at < n; at += 1000) {
        std::string script =
            "for i = 1, 1000 do redis.call('XADD', KEYS[1], 'MAXLEN', '~', "
            "ARGV[1], '*', 'type', 'quota.warning', 'tenant', 'acme') end";
        server.cmd({"EVAL", script, "1", stream, std::to_string(queue::contract::events_max)});
    }
    const auto kept = count({"XLEN", stream});
    ASSERT_LT(kept, n);
    {
        webhook_dispatcher d(ioc.get_executor(), client, wall, options("d1"));
        running run(ioc, {&d});
        ASSERT_TRUE(run.until([&] { return d.counters().lost_reports >= 1; }));
    }
    log::set_sink({});
    std::string found;
    for (const auto& l : lines)
        if (l.find("webhooks.events_lost") != std::string::npos) found = l;
    ASSERT_FALSE(found.empty());
    EXPECT_NE(found.find("lost=" + std::to_string(n - kept)), std::string::npos)
        << found << " (kept " << kept << ")";
}

}  // namespace
}  // namespace herald::ops
