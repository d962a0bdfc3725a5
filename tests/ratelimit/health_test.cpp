// Destination health on a real Redis: failures of a whole destination in a
// row suspend it, the suspension doubles while it keeps failing, one worker
// probes when it ends, a success closes the case; each suspension and
// recovery is an event; the key is bounded.
#include "queue/keys.hpp"
#include "ratelimit/destination_health.hpp"
#include "tests/support/queue_fixture.hpp"

#include "tests/support/run.hpp"

namespace herald {
namespace {

using ratelimit::health_verdict;
using state = health_verdict::state;

struct health_test : test::queue_fixture {
    const ratelimit::health_options opt{3, 1000, 4000, std::chrono::milliseconds(0)};
    const ratelimit::health_witness witness{0, "acme"};

    std::vector<std::string> lua(const std::string& dest, const std::string& action) {
        auto r = server.cmd({"FCALL", "herald_health", "1", queue::destination_health_key(dest),
                             action, std::to_string(clk.now_ms()), "3", "1000", "4000"});
        std::vector<std::string> out;
        for (const auto& e : r.elements)
            out.push_back(e.str.empty() ? std::to_string(e.integer) : e.str);
        return out;
    }
    std::vector<std::string> event_types() {
        std::vector<std::string> out;
        for (const auto& e : server.cmd({"XRANGE", queue::events_key(0), "-", "+"}).elements)
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                if (e[1][i].str == "type") out.push_back(e[1][i + 1].str);
        return out;
    }
};

TEST_F(health_test, failures_in_a_row_suspend_and_the_suspension_doubles_up_to_its_cap) {
    const std::string d = "mx.example.net:25";
    EXPECT_EQ(lua(d, "fail")[0], "counted");
    EXPECT_EQ(lua(d, "ok")[0], "up");  // a success in between: the count starts again
    EXPECT_EQ(lua(d, "fail")[1], "1");
    EXPECT_EQ(lua(d, "fail")[1], "2");
    EXPECT_EQ(lua(d, "check")[0], "up");
    const millis t0 = clk.now_ms();
    auto s = lua(d, "fail");
    ASSERT_EQ(s[0], "suspended");
    EXPECT_EQ(std::stoll(s[1]), t0 + 1000);
    EXPECT_EQ(lua(d, "check")[0], "down");
    EXPECT_EQ(lua(d, "fail")[0], "down");  // a straggler does not extend it
    clk.advance(1000);
    EXPECT_EQ(lua(d, "check")[0], "probe");  // one caller probes...
    EXPECT_EQ(lua(d, "check")[0], "down");   // ...the others wait for its answer
    // The probe fails: suspended again, twice as long; then 4 s, the cap.
    for (millis expect : {2000, 4000, 4000}) {
        s = lua(d, "fail");
        ASSERT_EQ(s[0], "suspended");
        EXPECT_EQ(std::stoll(s[1]) - clk.now_ms(), expect);
        clk.advance(expect);
        EXPECT_EQ(lua(d, "check")[0], "probe");
    }
    EXPECT_EQ(lua(d, "ok")[0], "recovered");
    EXPECT_EQ(lua(d, "check")[0], "up");
    EXPECT_EQ(count({"EXISTS", queue::destination_health_key(d)}), 0);
}

TEST_F(health_test, the_key_expires_and_destinations_are_independent) {
    lua("a.example:25", "fail");
    const auto ttl = count({"PTTL", queue::destination_health_key("a.example:25")});
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 16000);
    for (int i = 0; i < 3; ++i)
        lua("a.example:25", "fail");
    EXPECT_EQ(lua("a.example:25", "check")[0], "down");
    EXPECT_EQ(lua("b.example:25", "check")[0], "up");
}

TEST_F(health_test, the_process_side_learns_suspensions_and_writes_events) {
    ratelimit::destination_health h(client, clk, opt);
    const std::string d = "relay.example:587";
    EXPECT_EQ(test::run(ioc, h.check(d)).is, state::up);
    for (int i = 0; i < 3; ++i)
        test::run(ioc, h.failed(d, witness, "421 busy"));
    auto v = test::run(ioc, h.check(d));
    EXPECT_EQ(v.is, state::down);
    EXPECT_EQ(v.until, clk.now_ms() + 1000);
    clk.advance(1000);
    EXPECT_EQ(test::run(ioc, h.check(d)).is, state::probe);
    ratelimit::destination_health other(client, clk, opt);  // another worker
    EXPECT_EQ(test::run(ioc, other.check(d)).is, state::down);
    test::run(ioc, h.worked(d, witness));
    EXPECT_EQ(test::run(ioc, other.check(d)).is, state::up);
    EXPECT_EQ(event_types(),
              (std::vector<std::string>{"destination.suspended", "destination.recovered"}));
}

TEST_F(health_test, successes_anywhere_break_the_row_and_healthy_answers_are_cached) {
    const ratelimit::health_options cached{3, 1000, 4000, std::chrono::milliseconds(60'000)};
    ratelimit::destination_health a(client, clk, cached), b(client, clk, cached);
    const std::string d = "mx.shared.example:25";
    test::run(ioc, a.failed(d, witness, "421 busy"));
    test::run(ioc, a.failed(d, witness, "421 busy"));
    test::run(ioc, b.worked(d, witness));  // another worker delivers: the row is broken
    test::run(ioc, a.failed(d, witness, "421 busy"));
    EXPECT_EQ(lua(d, "check"), (std::vector<std::string>{"up", "1"}));
    // b learnt it clean: within `refresh` it answers from memory...
    EXPECT_EQ(test::run(ioc, b.check(d)).is, state::up);
    for (int i = 0; i < 3; ++i)
        lua(d, "fail");
    EXPECT_EQ(test::run(ioc, b.check(d)).is, state::up);
    // ...while a process that has not learnt it asks Redis.
    ratelimit::destination_health fresh(client, clk, cached);
    EXPECT_EQ(test::run(ioc, fresh.check(d)).is, state::down);
}

}  // namespace
}  // namespace herald
