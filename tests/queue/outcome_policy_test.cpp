// The queue's failure policy, row by row.
#include "queue/outcome_policy.hpp"

#include <gtest/gtest.h>

namespace herald::queue {
namespace {

constexpr millis now = 1'000'000;

queued_message msg(int attempt = 0, millis expires = now + 3'600'000) {
    queued_message m;
    m.entry_id = "1-0";
    m.id = message_id{1, 0, channel::email, 3};
    m.tenant = "acme";
    m.attempt = attempt;
    m.expires = expires;
    m.payload_bytes = 512;
    return m;
}

struct policy_test : ::testing::Test {
    retry_policy p{.max_attempts = 3, .backoff_base_ms = 1000, .backoff_cap_ms = 60'000};
    std::mt19937_64 rng{1};
    settle_record run(const queued_message& m, const outcome& o) {
        return decide(m, o, p, now, rng);
    }
};

TEST_F(policy_test, delivered_and_unknown_are_marked_delivered_with_their_charge_and_reply) {
    auto m = msg(2);
    m.created = 999'000;
    auto r = run(m, outcome::delivered("smtp_2xx", "250 2.0.0 Ok: queued as X\r\n"));
    EXPECT_EQ(r.what, settle_record::kind::delivered);
    EXPECT_EQ(r.extra, "acme|512|999000|2|d|250 2.0.0 Ok: queued as X??");
    EXPECT_EQ(r.id, "1-0-e3");
    r = run(m, outcome{outcome_kind::unknown, "timeout_after_data", "no answer to the dot"});
    EXPECT_EQ(r.what, settle_record::kind::delivered);
    EXPECT_EQ(r.extra, "acme|512|999000|2|u|no answer to the dot");
    // The reply is bounded.
    r = run(m, outcome::delivered("smtp_2xx", std::string(1000, 'r')));
    EXPECT_EQ(r.extra.size(), std::string("acme|512|999000|2|d|").size() + 200);
}

TEST_F(policy_test, a_bounce_is_dead_at_once_with_the_peers_words) {
    auto r = run(msg(), outcome::bounced("smtp_5xx", "550 5.1.1 no\r\nsuch user"));
    EXPECT_EQ(r.what, settle_record::kind::dead);
    EXPECT_EQ(r.extra, "bounced|1|smtp_5xx 550 5.1.1 no??such user") << "one failed attempt";
    // Refused before any peer saw it: no attempt failed.
    error e = make_error(errc::invalid_message, "bad");
    e.field = "to[0]";
    EXPECT_EQ(run(msg(), outcome::refused(e)).extra, "bounced|0|invalid_message to[0]: bad");
}

TEST_F(policy_test, a_deferral_waits_a_jittered_backoff) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto r = run(msg(attempt), outcome::deferred("smtp_4xx", "451"));
        ASSERT_EQ(r.what, settle_record::kind::deferred);
        const millis due = std::stoll(r.extra.substr(0, r.extra.find('|')));
        EXPECT_GE(due, now);
        EXPECT_LE(due, now + (attempt == 0 ? 1000 : 2000));
        EXPECT_EQ(r.extra.substr(r.extra.find('|') + 1), "1000000 smtp_4xx 451");
    }
}

TEST_F(policy_test, the_transports_own_retry_time_wins) {
    auto o = outcome::deferred("rate", "slow down");
    o.retry_at = now + 42'000;
    EXPECT_EQ(run(msg(), o).extra.substr(0, 7), "1042000");
}

TEST_F(policy_test, out_of_attempts_or_past_max_age_is_dead) {
    EXPECT_EQ(run(msg(2), outcome::deferred("smtp_4xx", "451")).extra.substr(0, 21),
              "attempts_exhausted|3|");
    auto o = outcome::deferred("smtp_4xx", "451");
    o.retry_at = now + 10'000;
    auto r = run(msg(0, now + 5'000), o);
    EXPECT_EQ(r.what, settle_record::kind::dead);
    EXPECT_EQ(r.extra.substr(0, 10), "expired|1|");
}

}  // namespace
}  // namespace herald::queue
