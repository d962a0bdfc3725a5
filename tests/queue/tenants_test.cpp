// The tenant registry (queue/tenants.hpp): created once, listed, looked
// up, ids validated, capped; and pausing: a paused tenant's message is
// held back (no attempt used) while another tenant's is sent, and flows
// within one pause wait of the resume.
#include "queue/tenants.hpp"
#include "queue/status.hpp"
#include "tests/support/queue_fixture.hpp"

namespace herald {
namespace {

using test::email_json;

struct tenants_test : test::queue_fixture {};

TEST_F(tenants_test, created_once_listed_and_looked_up) {
    auto r = test::run(ioc, queue::create_tenant(client, "globex"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(*r);
    r = test::run(ioc, queue::create_tenant(client, "acme"));
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r);
    r = test::run(ioc, queue::create_tenant(client, "acme"));
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "it existed";
    r = test::run(ioc, queue::create_tenant(client, "bad tenant!"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "invalid_message");
    auto all = test::run(ioc, queue::list_tenants(client));
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, (std::vector<std::string>{"acme", "globex"}));
    auto yes = test::run(ioc, queue::tenant_exists(client, "acme"));
    auto no = test::run(ioc, queue::tenant_exists(client, "initech"));
    ASSERT_TRUE(yes && no);
    EXPECT_TRUE(*yes);
    EXPECT_FALSE(*no);
}

TEST_F(tenants_test, the_registry_is_capped) {
    const auto key = queue::tenants_key();
    auto create = [&](const std::string& t) {
        return server.cmd({"FCALL", "herald_tenant_create", "1", key, t, "2"});
    };
    EXPECT_EQ(create("a").integer, 1);
    EXPECT_EQ(create("b").integer, 1);
    auto refused = create("c");
    ASSERT_TRUE(refused.is_array());
    EXPECT_EQ(refused[1].str, "tenant_limit");
    EXPECT_EQ(create("a").integer, 0) << "an existing one is no new one";
    EXPECT_EQ(count({"SCARD", key}), 2);
}

TEST_F(tenants_test, a_paused_tenant_waits_without_using_an_attempt_and_flows_on_resume) {
    ASSERT_TRUE(test::run(ioc, queue::set_paused(client, q.shards, "acme", true)));
    auto paused = test::run(ioc, queue::is_paused(client, q.shards, "acme"));
    ASSERT_TRUE(paused);
    EXPECT_TRUE(*paused);
    auto held = admit("acme", email_json("a@example.com"));
    auto other = admit("globex", email_json("b@example.com"));
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls_for(other.str()) == 1 && retry_len() == 1; }));
    EXPECT_EQ(t.calls_for(held.str()), 0) << "nothing sent for a paused tenant";
    auto s = test::run(ioc, queue::read_status(client, q.shards, "acme", held));
    ASSERT_TRUE(s && *s);
    EXPECT_EQ((*s)->state, queue::message_state::queued);
    EXPECT_EQ((*s)->attempts, 0u);
    EXPECT_GT((*s)->next_attempt_ms, clk.now_ms());
    EXPECT_LE((*s)->next_attempt_ms, clk.now_ms() + queue::contract::pause_wait_ms);

    // Still paused when it comes due: held back again.
    clk.advance(queue::contract::pause_wait_ms + 1);
    ASSERT_TRUE(run_worker(t, [&] {
        auto r = test::run(ioc, queue::read_status(client, q.shards, "acme", held));
        return r && *r && (*r)->next_attempt_ms > clk.now_ms();
    }));
    EXPECT_EQ(t.calls_for(held.str()), 0);

    ASSERT_TRUE(test::run(ioc, queue::set_paused(client, q.shards, "acme", false)));
    paused = test::run(ioc, queue::is_paused(client, q.shards, "acme"));
    EXPECT_FALSE(*paused);
    clk.advance(queue::contract::pause_wait_ms + 1);
    ASSERT_TRUE(run_worker(t, [&] { return t.calls_for(held.str()) == 1; }));
    EXPECT_EQ(t.attempts_seen[held.str()], 0) << "the pause used no attempt";
}

}  // namespace
}  // namespace herald
