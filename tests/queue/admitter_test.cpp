// Group commit on a real Redis: many concurrent one-message admissions
// share a few round trips, and each gets its own answer.
#include "queue/admitter.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <set>

namespace herald {
namespace {

namespace asio = boost::asio;
using test::email_json;
using test::enqueued_email;

struct admitter_test : test::queue_fixture {
    // Starts every admission at once, as concurrent API requests would,
    // and waits for all of them.
    std::vector<result<queue::admitted>> admit_concurrently(
        queue::admitter& a, const std::vector<queue::admission>& in) {
        std::vector<std::optional<result<queue::admitted>>> out(in.size());
        std::size_t done = 0;
        for (std::size_t i = 0; i < in.size(); ++i)
            asio::co_spawn(
                ioc, a.admit(in[i]), [&, i](std::exception_ptr e, result<queue::admitted> r) {
                    out[i] = e ? result<queue::admitted>(make_error(errc::internal, "threw"))
                               : std::move(r);
                    ++done;
                });
        ioc.restart();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (done < in.size() && std::chrono::steady_clock::now() < deadline)
            ioc.run_one_for(std::chrono::milliseconds(50));
        std::vector<result<queue::admitted>> answers;
        for (auto& o : out)
            answers.push_back(o ? std::move(*o) : make_error(errc::internal, "no answer in time"));
        return answers;
    }

    std::int64_t fcalls() {
        const auto info = server.cmd({"INFO", "commandstats"}).str;
        const std::string tag = "cmdstat_fcall:calls=";
        const auto at = info.find(tag);
        return at == std::string::npos ? 0 : std::stoll(info.substr(at + tag.size()));
    }
};

TEST_F(admitter_test, concurrent_admissions_share_round_trips_and_get_their_own_answers) {
    queue::producer p(client, q.shards, &clk);
    queue::admitter a(ioc.get_executor(), p, 256);
    std::vector<queue::admission> in;
    const std::vector<std::string> tenants{"acme", "globex", "initech", "umbrella", "hooli"};
    for (int i = 0; i < 600; ++i)
        in.push_back(enqueued_email(tenants[i % tenants.size()],
                                    email_json("u" + std::to_string(i) + "@example.com")));
    const auto calls_before = fcalls();
    const auto answers = admit_concurrently(a, in);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_TRUE(answers[i]) << i << ": " << answers[i].error().to_string();
        EXPECT_EQ(answers[i]->id.shard, queue::shard_of(in[i].tenant, q.shards));
        ids.insert(answers[i]->id.str());
    }
    EXPECT_EQ(ids.size(), in.size());
    EXPECT_EQ(total_len(channel::email), 600);
    // The first goes alone at once; the 599 that queue behind it take
    // three more round trips of at most 256, each one call per shard (4).
    EXPECT_LE(a.round_trips(), 4u);
    EXPECT_LE(fcalls() - calls_before, 4 * 4);
    // Each answer names its own message: its entry holds its payload.
    for (std::size_t i : {0u, 299u, 599u}) {
        const auto& id = answers[i]->id;
        const auto entry = std::to_string(id.ms) + "-" + std::to_string(id.seq);
        auto r = server.cmd({"XRANGE", prefix(in[i].tenant) + ":in:email", entry, entry});
        ASSERT_EQ(r.size(), 1u);
        bool same = false;
        for (std::size_t f = 0; f + 1 < r[0][1].size(); f += 2)
            same = same || (r[0][1][f].str == "payload" && r[0][1][f + 1].str == in[i].payload);
        EXPECT_TRUE(same) << i;
    }
}

TEST_F(admitter_test, a_lone_admission_goes_at_once_and_copies_racing_each_other_dedupe) {
    queue::producer p(client, q.shards, &clk);
    queue::admitter a(ioc.get_executor(), p);
    const auto one = enqueued_email("acme", email_json("solo@example.com"));
    auto r = test::run(ioc, a.admit(one));
    ASSERT_TRUE(r);
    EXPECT_EQ(a.round_trips(), 1u);
    // Two API nodes' worth of the same new message at once: one is stored.
    const auto twin = enqueued_email("acme", email_json("twin@example.com"));
    const auto answers = admit_concurrently(a, {twin, twin});
    ASSERT_TRUE(answers[0] && answers[1]);
    EXPECT_NE(answers[0]->duplicate, answers[1]->duplicate);
    EXPECT_EQ(answers[0]->id.str(), answers[1]->id.str());
    EXPECT_EQ(total_len(channel::email), 2);
}

TEST_F(admitter_test, admissions_beyond_the_waiting_cap_are_refused_at_once) {
    queue::producer p(client, q.shards, &clk);
    queue::admitter a(ioc.get_executor(), p, 4, 8);
    std::vector<queue::admission> in;
    for (int i = 0; i < 20; ++i)
        in.push_back(enqueued_email("acme", email_json("u" + std::to_string(i) + "@example.com")));
    std::size_t admitted = 0, refused = 0;
    for (const auto& r : admit_concurrently(a, in)) {
        if (r) {
            ++admitted;
            continue;
        }
        ++refused;
        EXPECT_EQ(r.error().code, make_error_code(errc::backpressure)) << r.error().to_string();
    }
    // All 20 arrive before the first answer: at most 8 wait and 4 are out.
    EXPECT_LE(admitted, 12u);
    EXPECT_GE(refused, 8u);
    EXPECT_EQ(admitted + refused, 20u);
    EXPECT_EQ(total_len(channel::email), static_cast<std::int64_t>(admitted));
}

TEST_F(admitter_test, a_redis_that_is_gone_answers_every_waiter_with_an_error) {
    queue::producer p(client, q.shards, &clk);
    queue::admitter a(ioc.get_executor(), p);
    ASSERT_TRUE(test::run(ioc, a.admit(enqueued_email("acme", email_json("first@example.com")))));
    server.stop();
    std::vector<queue::admission> in;
    for (int i = 0; i < 20; ++i)
        in.push_back(
            enqueued_email("acme", email_json("late" + std::to_string(i) + "@example.com")));
    for (const auto& r : admit_concurrently(a, in)) {
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().code, make_error_code(errc::internal)) << r.error().to_string();
    }
}

}  // namespace
}  // namespace herald
