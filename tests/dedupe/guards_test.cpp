// The admission guards on a real Redis, with the test clock: idempotency
// keys, dedupe windows, and the three loop breakers (trip, half-open,
// reset, forced open).
#include "core/log.hpp"
#include "dedupe/content_hash.hpp"
#include "queue/keys.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/asio/co_spawn.hpp>

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::email_json;

struct guards_test : test::queue_fixture {
    // Admits through herald's producer, as `herald enqueue` does.
    result<queue::admitted> send(const std::string& tenant, const std::string& json,
                                 const std::string& idem = "") {
        return try_admit(test::enqueued_email(tenant, json, idem));
    }
    std::int64_t stored() { return total_len(channel::email); }
    // The guards' events (a message's own transitions left out).
    std::vector<std::map<std::string, std::string>> events(const std::string& tenant) {
        std::vector<std::map<std::string, std::string>> out;
        auto r =
            server.cmd({"XRANGE", queue::events_key(queue::shard_of(tenant, q.shards)), "-", "+"});
        for (const auto& e : r.elements) {
            std::map<std::string, std::string> f;
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                f[e[1][i].str] = e[1][i + 1].str;
            if (!f["type"].starts_with("message.")) out.push_back(f);
        }
        return out;
    }
};

// ---- idempotency keys ------------------------------------------------------------

TEST_F(guards_test, idempotency_key_replays_the_first_answer) {
    auto first = send("acme", email_json("a@example.com"), "order-1");
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->replay);
    auto again = send("acme", email_json("a@example.com"), "order-1");
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->replay);
    EXPECT_EQ(again->id, first->id);
    EXPECT_EQ(stored(), 1);
    // Keys are per tenant.
    auto other = send("globex", email_json("a@example.com"), "order-1");
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->replay);
}

TEST_F(guards_test, idempotency_key_with_another_body_is_refused) {
    ASSERT_TRUE(send("acme", email_json("a@example.com"), "k"));
    auto r = send("acme", email_json("b@example.com"), "k");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "idempotency_key_reused");
    EXPECT_EQ(r.error().http_status(), 422);
    EXPECT_EQ(stored(), 1);
}

TEST_F(guards_test, idempotency_key_in_flight_answers_409_with_retry_after) {
    const std::string json = email_json("a@example.com");
    const std::string sha = server.cmd({"EVAL", "return redis.sha1hex(ARGV[1])", "0", json}).str;
    auto reserved = server.cmd({"FCALL", "herald_idem_reserve", "1", prefix("acme"), "acme", "k",
                                sha, "token-1", "30000"});
    ASSERT_EQ(reserved[0].str, "ok");
    auto r = send("acme", json, "k");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "idempotency_in_flight");
    EXPECT_EQ(r.error().http_status(), 409);
    EXPECT_GE(r.error().retry_after_s, 29);
    EXPECT_EQ(stored(), 0);
    // The holder of the reservation completes it; then everyone gets the replay.
    auto done = server.cmd({"FCALL", "herald_admit", "1", prefix("acme"), "acme", "email", json,
                            "idem", "k", "idem_token", "token-1"});
    ASSERT_EQ(done[0].str, "ok");
    auto replay = send("acme", json, "k");
    ASSERT_TRUE(replay);
    EXPECT_TRUE(replay->replay);
    EXPECT_EQ(replay->id.str(), done[1].str);
}

TEST_F(guards_test, idempotency_replays_a_duplicate_answer_too) {
    auto first = send("acme", email_json("a@example.com"));
    auto dup = send("acme", email_json("a@example.com"), "k2");
    ASSERT_TRUE(dup);
    EXPECT_TRUE(dup->duplicate);
    auto replay = send("acme", email_json("a@example.com"), "k2");
    ASSERT_TRUE(replay);
    EXPECT_TRUE(replay->duplicate);
    EXPECT_TRUE(replay->replay);
    EXPECT_EQ(replay->id, first->id);
}

// ---- dedupe windows ------------------------------------------------------------

TEST_F(guards_test, a_repeat_inside_the_window_is_not_stored_and_names_the_first) {
    auto first = send("acme", email_json("a@example.com"));
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->duplicate);
    // The same content with other per-send values and recipients reordered.
    auto again = send("acme", R"({"from":"app@example.com","to":["a@EXAMPLE.com"],
        "subject":"hello","text":"hi","headers":{"X-Request":"2"},"metadata":{"r":"2"}})");
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->id, first->id);
    EXPECT_EQ(stored(), 1);
    auto day = std::to_string(clk.now_ms() / 86400000);
    EXPECT_EQ(server.cmd({"HGET", prefix("acme") + ":stat:acme:" + day, "duplicate"}).str, "1");
}

TEST_F(guards_test, the_window_expires_with_the_clock) {
    ASSERT_TRUE(send("acme", email_json("a@example.com")));
    clk.advance(600'000 - 1);
    EXPECT_TRUE(send("acme", email_json("a@example.com"))->duplicate);
    clk.advance(1);
    auto later = send("acme", email_json("a@example.com"));
    ASSERT_TRUE(later);
    EXPECT_FALSE(later->duplicate);
    EXPECT_EQ(stored(), 2);
}

TEST_F(guards_test, window_is_per_tenant_and_channel_and_zero_turns_it_off) {
    set("acme", "dedupe.window_ms.email", "0");
    ASSERT_TRUE(send("acme", email_json("a@example.com")));
    EXPECT_FALSE(send("acme", email_json("a@example.com"))->duplicate);
    // Other tenants keep the default window, or set their own.
    ASSERT_TRUE(send("initech", email_json("a@example.com")));
    EXPECT_TRUE(send("initech", email_json("a@example.com"))->duplicate);
    set("globex", "dedupe.window_ms", "1000");
    ASSERT_TRUE(send("globex", email_json("a@example.com")));
    EXPECT_TRUE(send("globex", email_json("a@example.com"))->duplicate);
    clk.advance(1000);
    EXPECT_FALSE(send("globex", email_json("a@example.com"))->duplicate);
}

TEST_F(guards_test, tenant_chosen_metadata_fields_make_messages_differ) {
    set("acme", "dedupe.fields", "order_id");
    auto with = [](const std::string& order) {
        return R"({"from":"app@example.com","to":["a@example.com"],"subject":"Receipt",
            "text":"thanks","metadata":{"order_id":")" +
               order + R"(","trace":"x"}})";
    };
    ASSERT_FALSE(send("acme", with("1"))->duplicate);
    EXPECT_FALSE(send("acme", with("2"))->duplicate);
    EXPECT_TRUE(send("acme", with("1"))->duplicate);
}

TEST_F(guards_test, producers_without_a_hash_dedupe_on_exact_bytes) {
    const auto json = email_json("a@example.com");
    auto a = server.cmd({"FCALL", "herald_admit", "1", prefix("acme"), "acme", "email", json});
    auto b = server.cmd({"FCALL", "herald_admit", "1", prefix("acme"), "acme", "email", json});
    EXPECT_EQ(a[0].str, "ok");
    EXPECT_EQ(b[0].str, "duplicate");
    EXPECT_EQ(b[1].str, a[1].str);
}

TEST_F(guards_test, racing_producers_cannot_both_accept_a_copy) {
    // Two connections (two API nodes) pipelining the same message at once.
    redis::client other(ioc.get_executor(), *redis::endpoint::parse(server.url()));
    other.start();
    queue::producer p1(client, q.shards), p2(other, q.shards);
    std::vector<queue::admission> batch(50,
                                        test::enqueued_email("acme", email_json("a@example.com")));
    std::vector<result<queue::admitted>> r1, r2;
    int finished = 0;
    boost::asio::co_spawn(ioc, p1.admit_batch(batch), [&](std::exception_ptr, auto r) {
        r1 = std::move(r);
        ++finished;
    });
    boost::asio::co_spawn(ioc, p2.admit_batch(batch), [&](std::exception_ptr, auto r) {
        r2 = std::move(r);
        ++finished;
    });
    ioc.restart();
    while (finished < 2)
        ioc.run_one_for(10ms);
    int accepted = 0;
    for (const auto* rs : {&r1, &r2})
        for (const auto& r : *rs)
            accepted += r && !r->duplicate;
    EXPECT_EQ(accepted, 1);
    EXPECT_EQ(stored(), 1);
}

// ---- loop breakers -------------------------------------------------------------------

TEST_F(guards_test, content_breaker_trips_on_the_storm_signature) {
    set("acme", "breaker.content.max", "5");
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(send("acme", email_json("a@example.com")));
    auto r = send("acme", email_json("a@example.com"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "circuit_open");
    EXPECT_EQ(r.error().http_status(), 429);
    EXPECT_NE(r.error().detail.find("content breaker"), std::string::npos);
    EXPECT_EQ(r.error().retry_after_s, 300);
    // Other content from the same tenant still passes.
    EXPECT_TRUE(send("acme", email_json("b@example.com")));
    auto ev = events("acme");
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back()["type"], "breaker.opened");
    EXPECT_EQ(ev.back()["breaker"], "content");
}

TEST_F(guards_test, content_breaker_half_opens_then_closes_when_the_storm_is_over) {
    set("acme", "breaker.content.max", "5");
    set("acme", "dedupe.window_ms", "0");
    clk.set(clk.now_ms() / 3'600'000 * 3'600'000 + 3'600'000);  // one counting window throughout
    const auto msg = email_json("a@example.com");
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(send("acme", msg));
    ASSERT_FALSE(send("acme", msg));  // the 6th trips; counting starts afresh
    clk.advance(300'000 - 1);
    ASSERT_FALSE(send("acme", msg));  // still open (count 1)
    clk.advance(1);
    EXPECT_TRUE(send("acme", msg));  // half-open: the trickle passes (2)
    auto held = send("acme", msg);   // one per interval only (3)
    ASSERT_FALSE(held);
    EXPECT_NE(held.error().detail.find("half-open"), std::string::npos);
    clk.advance(10'000);
    EXPECT_TRUE(send("acme", msg));  // (4)
    clk.advance(300'000);            // the half-open time passed quietly
    EXPECT_TRUE(send("acme", msg));  // (5): closed
    const auto key = prefix("acme") + ":brk:acme:c:" +
                     dedupe::content_hash("acme", *parse_message(channel::email, msg));
    EXPECT_EQ(count({"EXISTS", key}), 0);
    std::vector<std::string> changes;
    for (auto& e : events("acme"))
        if (e["type"].starts_with("breaker.")) changes.push_back(e["type"]);
    EXPECT_EQ(changes,
              (std::vector<std::string>{"breaker.opened", "breaker.half_open", "breaker.closed"}))
        << "each change once, in order";
}

TEST_F(guards_test, content_breaker_reopens_longer_while_the_storm_goes_on) {
    set("acme", "breaker.content.max", "3");
    // The count is per fixed hour: the storm must not straddle a new one.
    clk.set(clk.now_ms() / 3'600'000 * 3'600'000 + 3'600'000);
    const auto msg = email_json("a@example.com");
    for (int i = 0; i < 4; ++i)
        (void)send("acme", msg);
    for (int i = 0; i < 10; ++i)
        ASSERT_FALSE(send("acme", msg));  // the storm goes on
    clk.advance(300'000);
    auto r = send("acme", msg);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().retry_after_s, 600) << "the second trip doubles the cool-off";
}

TEST_F(guards_test, recipient_breaker_blocks_one_recipient_only) {
    set("acme", "breaker.recipient.max", "3");
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(send("acme", email_json("victim@example.com", "s" + std::to_string(i))));
    auto r = send("acme", email_json("victim@EXAMPLE.com", "s9"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("recipient breaker"), std::string::npos);
    EXPECT_TRUE(send("acme", email_json("someone@example.com", "s9")));
    EXPECT_TRUE(send("globex", email_json("victim@example.com", "s9")));
}

TEST_F(guards_test, tenant_breaker_trips_above_its_own_baseline) {
    set("acme", "breaker.rate.floor_per_min", "50");
    set("acme", "breaker.rate.factor", "2");
    set("acme", "breaker.rate.baseline_min", "1");  // the baseline is the last minute
    set("acme", "dedupe.window_ms", "0");
    clk.set(clk.now_ms() / 60000 * 60000 + 60000);  // the start of a minute
    auto burst = [&](int n, const std::string& tag) {
        int ok = 0;
        for (int i = 0; i < n; ++i)
            ok +=
                send("acme", email_json("u" + std::to_string(i) + "@example.com", tag)).has_value();
        return ok;
    };
    EXPECT_EQ(burst(40, "m1"), 40);  // under the floor
    clk.advance(60'000);
    // Baseline 40/min: up to 2 x 40 = 80 pass, the 81st trips.
    EXPECT_EQ(burst(80, "m2"), 80);
    auto r = send("acme", email_json("last@example.com", "m2"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("tenant breaker"), std::string::npos);
    EXPECT_TRUE(send("globex", email_json("x@example.com")));
}

TEST_F(guards_test, ops_force_a_breaker_open_and_reset_it) {
    const auto p = prefix("acme");
    const auto now = std::to_string(clk.now_ms());
    EXPECT_EQ(
        server.cmd({"FCALL", "herald_breaker", "1", p, "open", "acme", "t", "", "60", now}).integer,
        1);
    auto r = send("acme", email_json("a@example.com"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("forced open"), std::string::npos);
    clk.advance(3'600'000);  // forced stays open until reset (or its TTL)
    EXPECT_FALSE(send("acme", email_json("a@example.com")));
    EXPECT_EQ(
        server.cmd({"FCALL", "herald_breaker", "1", p, "reset", "acme", "*", "", "0", now}).integer,
        1);
    EXPECT_TRUE(send("acme", email_json("a@example.com")));
    EXPECT_EQ(events("acme").back()["type"], "breaker.reset");
}

TEST_F(guards_test, bad_options_are_refused_with_clear_codes) {
    const auto p = prefix("acme");
    const auto json = email_json("a@example.com");
    auto r = server.cmd({"FCALL", "herald_admit", "1", p, "acme", "email", json, "bogus", "1"});
    EXPECT_EQ(r[1].str, "invalid_argument");
    r = server.cmd({"FCALL", "herald_admit", "1", p, "acme", "email", json, "hash", "xyz"});
    EXPECT_EQ(r[1].str, "invalid_argument");
    r = server.cmd({"FCALL", "herald_admit", "1", p, "acme", "email", json, "idem"});
    EXPECT_EQ(r[1].str, "invalid_argument");
    r = server.cmd(
        {"FCALL", "herald_admit", "1", p, "acme", "email", json, "idem", std::string(300, 'k')});
    EXPECT_EQ(r[1].str, "invalid_argument");
    EXPECT_EQ(stored(), 0);
}

}  // namespace
}  // namespace herald
