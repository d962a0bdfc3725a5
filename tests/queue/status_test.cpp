// A message's status (queue/status.hpp) through the real worker: queued,
// in flight, deferred with its attempts, next time and history, queued
// again after the retry came due, delivered with the peer's reply; the
// endings without delivery (bounced, dead, expired, unknown); another
// tenant's or an unknown id reads as nothing; every record has a TTL, and
// what each costs in Redis memory is measured.
#include "queue/status.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herald {
namespace {

using namespace std::chrono_literals;
using queue::message_state;
using test::email_json;

// Holds every send until released, so a test can look at a message in flight.
class held_transport final : public transport {
public:
    bool released = false;
    int sends = 0;
    std::string_view name() const override { return "held"; }
    boost::asio::awaitable<outcome> send(const delivery&) override {
        ++sends;
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        while (!released) {
            t.expires_after(5ms);
            co_await t.async_wait(boost::asio::use_awaitable);
        }
        co_return outcome::delivered("smtp_2xx", "250 ok");
    }
};

struct status_test : test::queue_fixture {
    std::optional<queue::message_status> status(const std::string& tenant, const message_id& id) {
        auto r = test::run(ioc, queue::read_status(client, q.shards, tenant, id));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : std::nullopt;
    }
    message_state state(const std::string& tenant, const message_id& id) {
        auto s = status(tenant, id);
        EXPECT_TRUE(s) << id.str();
        return s ? s->state : message_state::unknown;
    }
    std::string status_key(const message_id& id) const {
        return queue::status_key(id.shard, id.str());
    }
    std::string done_key(const message_id& id) const {
        return queue::shard_prefix(id.shard) + std::string(queue::key_suffix("done")) + id.str();
    }
    // Promotes due retries as a worker's scheduler does.
    void promote(const message_id& id) {
        server.cmd({"FCALL", "herald_promote", "1", queue::shard_prefix(id.shard),
                    std::to_string(clk.now_ms()), "16", "100", "5000",
                    std::to_string(q.delivered_ttl_s)});
    }
};

TEST_F(status_test, walks_queued_in_flight_deferred_queued_again_and_delivered) {
    const auto admitted_at = clk.now_ms();
    auto id = admit("acme", email_json("a@example.com"));
    auto s = status("acme", id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::queued);
    EXPECT_EQ(s->tenant, "acme");
    EXPECT_EQ(s->admitted_ms, admitted_at);
    EXPECT_EQ(s->attempts, 0u);
    EXPECT_EQ(count({"EXISTS", status_key(id)}), 0) << "admission writes no record";

    held_transport held;
    bool seen_in_flight = false;
    ASSERT_TRUE(run_worker(held, [&] {
        if (held.sends == 1 && !held.released) {
            seen_in_flight = state("acme", id) == message_state::in_flight;
            held.released = true;
        }
        return count({"EXISTS", done_key(id)}) == 1;
    }));
    EXPECT_TRUE(seen_in_flight);

    auto second = admit("acme", email_json("b@example.com"));
    test::scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451 4.3.0 try later"); };
    const auto failed_at = clk.now_ms();
    ASSERT_TRUE(run_worker(t, [&] { return retry_len() == 1; }));
    s = status("acme", second);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::deferred);
    EXPECT_EQ(s->attempts, 1u);
    EXPECT_GT(s->next_attempt_ms, failed_at);
    EXPECT_LE(s->next_attempt_ms, failed_at + q.backoff_base_ms);
    ASSERT_EQ(s->history.size(), 1u);
    EXPECT_NE(s->history[0].find("smtp_4xx 451 4.3.0 try later"), std::string::npos)
        << s->history[0];

    // Due again: back in its stream under a new entry, found through its record.
    clk.advance(q.backoff_base_ms + 1);
    promote(second);
    s = status("acme", second);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::queued);
    EXPECT_EQ(s->attempts, 1u);
    EXPECT_EQ(s->history.size(), 1u);
    EXPECT_GT(count({"PTTL", status_key(second)}), 0);

    t.script = [](const delivery&) {
        return outcome::delivered("smtp_2xx", "250 2.0.0 Ok: queued as 4XyZ");
    };
    ASSERT_TRUE(run_worker(t, [&] { return count({"EXISTS", done_key(second)}) == 1; }));
    s = status("acme", second);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::delivered);
    EXPECT_EQ(s->reply, "250 2.0.0 Ok: queued as 4XyZ");
    EXPECT_EQ(s->attempts, 1u);
    EXPECT_GE(s->finished_ms, s->admitted_ms);
    EXPECT_EQ(count({"EXISTS", status_key(second)}), 0) << "a delivery keeps one key";
    EXPECT_EQ(state("acme", id), message_state::delivered);
}

TEST_F(status_test, endings_without_delivery_read_bounced_dead_expired_and_unknown) {
    auto bounced = admit("acme", email_json("gone@example.com", "b"));
    auto unknown = admit("acme", email_json("maybe@example.com", "u"));
    test::scripted_transport t;
    t.script = [&](const delivery& d) {
        if (d.id == bounced) return outcome::bounced("reply_permanent", "550 5.1.1 no such user");
        return outcome{outcome_kind::unknown, "connection_lost", "no answer after the final dot"};
    };
    ASSERT_TRUE(run_worker(t, [&] {
        return dead_count() == 1 && count({"EXISTS", done_key(unknown)}) == 1;
    }));
    auto s = status("acme", bounced);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::bounced);
    EXPECT_EQ(s->reason, "bounced");
    EXPECT_NE(s->detail.find("550 5.1.1 no such user"), std::string::npos) << s->detail;
    EXPECT_EQ(s->attempts, 1u);
    EXPECT_GT(s->finished_ms, 0);
    s = status("acme", unknown);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::unknown);
    EXPECT_EQ(s->reason, "unknown_outcome");
    EXPECT_EQ(s->detail, "no answer after the final dot");

    // Out of attempts: dead.
    q.max_attempts = 1;
    auto dead = admit("acme", email_json("c@example.com", "d"));
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451 busy"); };
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 2; }));
    s = status("acme", dead);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::dead);
    EXPECT_EQ(s->reason, "attempts_exhausted");
    EXPECT_EQ(s->attempts, 1u);

    // Past its max age before a worker read it: expired, never tried.
    auto expired = admit("acme", email_json("e@example.com", "e"));
    clk.advance(q.max_age_s * 1000 + 1);
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 3; }));
    s = status("acme", expired);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, message_state::expired);
    EXPECT_EQ(s->attempts, 0u);
    for (const auto& id : {bounced, dead, expired}) {
        const auto ttl = count({"TTL", status_key(id)});
        EXPECT_GT(ttl, 0) << id.str();
        EXPECT_LE(ttl, static_cast<std::int64_t>(q.delivered_ttl_s));
    }
    EXPECT_GT(count({"TTL", done_key(unknown)}), 0);
}

TEST_F(status_test, another_tenants_message_and_an_unknown_id_read_as_nothing) {
    const std::string other = neighbour_of("acme");
    auto id = admit("acme", email_json("a@example.com"));
    EXPECT_TRUE(status("acme", id));
    EXPECT_FALSE(status(other, id)) << "same shard, another tenant: queued";
    EXPECT_FALSE(status("globex", id));
    message_id made_up = id;
    made_up.seq += 7;
    EXPECT_FALSE(status("acme", made_up));
    message_id wrong_channel = id;
    wrong_channel.ch = channel::sms;
    EXPECT_FALSE(status("acme", wrong_channel));

    auto bounced = admit("acme", email_json("b@example.com"));
    test::scripted_transport t;
    t.script = [&](const delivery& d) {
        return d.id == bounced ? outcome::bounced("reply_permanent", "550 no")
                               : outcome::delivered("smtp_2xx", "250 ok");
    };
    ASSERT_TRUE(run_worker(t, [&] {
        return dead_count() == 1 && count({"EXISTS", done_key(id)}) == 1;
    }));
    EXPECT_TRUE(status("acme", id));
    EXPECT_FALSE(status(other, id)) << "delivered";
    EXPECT_TRUE(status("acme", bounced));
    EXPECT_FALSE(status(other, bounced)) << "dead";
}

// What the status costs per message in Redis memory, on this redis-server:
// the delivered marker as it was ("1") and as it is, and the record of a
// re-appended and of an ended message.
// What the records the queue really writes cost: a delivered marker with
// a peer's reply, the record of a message queued again, the record of a
// bounce; the old marker ("1") is the baseline.
TEST_F(status_test, memory_per_message) {
    auto usage = [&](const std::string& key) { return count({"MEMORY", "USAGE", key}); };
    auto delivered = admit("acme", email_json("a@example.com", "d"));
    auto retried = admit("acme", email_json("b@example.com", "r"));
    auto bounced = admit("acme", email_json("c@example.com", "x"));
    test::scripted_transport t;
    t.script = [&](const delivery& d) {
        if (d.id == delivered)
            return outcome::delivered("smtp_2xx", "250 2.0.0 Ok: queued as 4XyZ12");
        if (d.id == bounced)
            return outcome::bounced("reply_permanent",
                                    "host mx.example.net[192.0.2.1] said: 550 5.1.1 "
                                    "<u@example.net>: Recipient address rejected");
        return outcome::deferred("smtp_4xx", "451 4.3.0 try later");
    };
    ASSERT_TRUE(run_worker(t, [&] {
        return count({"EXISTS", done_key(delivered)}) == 1 && dead_count() == 1 && retry_len() == 1;
    }));
    clk.advance(q.backoff_base_ms + 1);
    promote(retried);
    ASSERT_EQ(state("acme", retried), message_state::queued);

    const auto marker_after = usage(done_key(delivered));
    const auto moved = usage(status_key(retried));
    const auto ended = usage(status_key(bounced));
    ASSERT_GT(marker_after, 0);
    ASSERT_GT(moved, 0);
    ASSERT_GT(ended, 0);
    server.cmd({"SET", done_key(delivered), "1"});  // the marker as it was before
    const auto marker_before = usage(done_key(delivered));
    std::cout << "[ measure  ] done marker: " << marker_before << " -> " << marker_after
              << " bytes; status record queued again: " << moved << ", ended: " << ended
              << " bytes\n";
    EXPECT_LE(marker_after - marker_before, 96) << "a typical reply adds its length and a header";
    EXPECT_LE(moved, static_cast<std::int64_t>(queue::contract::message_overhead_bytes))
        << "the per-message storage charge covers the record a queued message may have";
}

}  // namespace
}  // namespace herald
