// Applying delivery receipts (sms/receipt apply_receipt, sms/lua/receipt.lua)
// on a real redis-server, to SMS the real worker settled: only for messages
// herald knows, never moving a final state back, with an sms.receipt event,
// and what GET /v1/messages/{id} reads from it (queue/status).
#include "queue/status.hpp"
#include "sms/errors.hpp"
#include "sms/receipt.hpp"
#include "tests/support/queue_fixture.hpp"

namespace herald {
namespace {

using queue::message_state;
using sms::receipt_state;

std::string sms_json(const std::string& to, const std::string& body) {
    return R"({"from":"ACME","to":")" + to + R"(","body":")" + body + R"("})";
}

struct sms_receipt_store_test : test::queue_fixture {
    // An SMS the worker handed to a transport answering `o`, settled.
    message_id settled_sms(const std::string& tenant, const std::string& body, outcome o) {
        auto id = admit(tenant, sms_json("+14155550100", body), channel::sms);
        test::scripted_transport t;
        t.script = [o](const delivery&) { return o; };
        EXPECT_TRUE(run_worker(t, [&] { return count({"EXISTS", done_key(id)}) == 1; }));
        return id;
    }
    std::string done_key(const message_id& id) const {
        return queue::shard_prefix(id.shard) + std::string(queue::key_suffix("done")) + id.str();
    }
    std::string rcpt_key(const message_id& id) const {
        return queue::receipt_key(id.shard, id.str());
    }

    result<sms::receipt_applied> apply(const std::string& id, receipt_state st,
                                       const std::string& pid = "SM1",
                                       const std::string& code = "") {
        return test::run(ioc, sms::apply_receipt(client, q.shards, "tw", {id, pid, st, code},
                                                 q.delivered_ttl_s));
    }
    queue::message_status status(const std::string& tenant, const message_id& id) {
        auto r = test::run(ioc, queue::read_status(client, q.shards, tenant, id));
        EXPECT_TRUE(r && *r) << id.str();
        return r && *r ? **r : queue::message_status{};
    }
    // The sms.receipt events of the shard, as field maps.
    std::vector<std::map<std::string, std::string>> receipt_events(const message_id& id) {
        auto r = server.cmd({"XRANGE", queue::events_key(id.shard), "-", "+"});
        std::vector<std::map<std::string, std::string>> out;
        for (const auto& e : r.elements) {
            std::map<std::string, std::string> f;
            for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2)
                f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
            if (f["type"] == "sms.receipt") out.push_back(std::move(f));
        }
        return out;
    }
};

TEST_F(sms_receipt_store_test, a_receipt_moves_a_sent_sms_to_delivered_and_never_back) {
    auto id = settled_sms("acme", "hello", outcome::delivered("accepted", "SM1 queued"));
    auto s = status("acme", id);
    EXPECT_EQ(s.state, message_state::sent) << "taken by the provider, no receipt yet";
    EXPECT_EQ(s.provider, "");

    auto a = apply(id.str(), receipt_state::delivered, "SM1", "0");
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_TRUE(a->changed);
    s = status("acme", id);
    EXPECT_EQ(s.state, message_state::delivered);
    EXPECT_EQ(s.provider, "tw");
    EXPECT_EQ(s.provider_id, "SM1");
    EXPECT_EQ(s.provider_code, "0");

    // A late intermediate or failed report does not undo the delivery.
    for (auto later : {receipt_state::sent, receipt_state::failed, receipt_state::undelivered}) {
        a = apply(id.str(), later);
        ASSERT_TRUE(a);
        EXPECT_FALSE(a->changed) << to_string(later);
        EXPECT_EQ(a->state, receipt_state::delivered);
    }
    EXPECT_EQ(status("acme", id).state, message_state::delivered);

    auto events = receipt_events(id);
    ASSERT_EQ(events.size(), 1u) << "one event per change, none for what changed nothing";
    EXPECT_EQ(events[0]["id"], id.str());
    EXPECT_EQ(events[0]["tenant"], "acme");
    EXPECT_EQ(events[0]["state"], "delivered");
    EXPECT_EQ(events[0]["provider_id"], "SM1");
    const auto ttl = count({"TTL", rcpt_key(id)});
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, static_cast<std::int64_t>(q.delivered_ttl_s));
}

TEST_F(sms_receipt_store_test, intermediate_then_final_and_failed_states_read_as_such) {
    auto a = settled_sms("acme", "one", outcome::delivered("accepted", "SMa"));
    auto b = settled_sms("acme", "two", outcome::delivered("accepted", "SMb"));
    ASSERT_TRUE(apply(a.str(), receipt_state::sent));
    EXPECT_EQ(status("acme", a).state, message_state::sent);
    ASSERT_TRUE(apply(a.str(), receipt_state::undelivered, "SMa", "30003"));
    auto s = status("acme", a);
    EXPECT_EQ(s.state, message_state::undelivered);
    EXPECT_EQ(s.provider_code, "30003");
    auto back = apply(a.str(), receipt_state::sent);
    ASSERT_TRUE(back);
    EXPECT_FALSE(back->changed);
    EXPECT_EQ(status("acme", a).state, message_state::undelivered)
        << "final is never moved back to sent";
    // The handset's own later word wins over a failure report.
    ASSERT_TRUE(apply(a.str(), receipt_state::delivered));
    EXPECT_EQ(status("acme", a).state, message_state::delivered);

    ASSERT_TRUE(apply(b.str(), receipt_state::failed, "SMb", "21610"));
    EXPECT_EQ(status("acme", b).state, message_state::failed);
}

TEST_F(sms_receipt_store_test, a_receipt_settles_an_unknown_outcome) {
    auto id = settled_sms("acme", "maybe",
                          outcome{outcome_kind::unknown, "no_answer", "timeout after the request"});
    auto s = status("acme", id);
    EXPECT_EQ(s.state, message_state::unknown);
    EXPECT_EQ(s.reason, "unknown_outcome");
    ASSERT_TRUE(apply(id.str(), receipt_state::delivered));
    s = status("acme", id);
    EXPECT_EQ(s.state, message_state::delivered);
    EXPECT_EQ(s.reason, "") << "no longer unknown";
}

TEST_F(sms_receipt_store_test, unknown_messages_are_refused_and_nothing_is_written) {
    auto email = admit("acme", test::email_json("a@example.com"));
    const auto never = message_id{email.ms + 1, 0, channel::sms, email.shard};
    for (const auto& id : {never.str(), email.str(), std::string("not-an-id"),
                           message_id{1, 0, channel::sms, q.shards + 1}.str()}) {
        auto a = apply(id, receipt_state::delivered);
        ASSERT_FALSE(a) << id;
        EXPECT_EQ(a.error().code, make_error_code(sms::sms_errc::unknown_message)) << id;
    }
    EXPECT_EQ(count({"EXISTS", rcpt_key(never)}), 0);
    EXPECT_TRUE(receipt_events(never).empty());
}

TEST_F(sms_receipt_store_test, a_receipt_may_overtake_the_settle_of_an_sms_in_flight) {
    auto id = admit("acme", sms_json("+14155550100", "fast"), channel::sms);
    // A worker holds it: its lease, as lease.lua writes it.
    server.cmd({"SET",
                queue::shard_prefix(id.shard) + std::string(queue::key_suffix("lease")) + id.str(),
                "w1|99999999999999", "PX", "60000"});
    auto a = apply(id.str(), receipt_state::delivered);
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_TRUE(a->changed);
    auto events = receipt_events(id);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["tenant"], "acme") << "found from its entry";
}

}  // namespace
}  // namespace herald
