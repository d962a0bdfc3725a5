// The sender-domain guard (domains/lua/sender_domain.lua) on a real
// redis-server: mail From a domain that the domain store has not published
// as verified for the tenant is refused with domain_not_verified, through
// herald's producer (the batch function, the domain vouched for) and
// through a plain FCALL herald_admit (the domain read from the payload);
// regressed domains until their deadline; the sandbox; the switch; the
// states read once per settings version.
#include "api/tenant_admin.hpp"
#include "dedupe/admission.hpp"
#include "domains/sender_state.hpp"
#include "queue/keys.hpp"
#include "tests/support/queue_fixture.hpp"

namespace herald {
namespace {

using test::email_json;

std::string mail(const std::string& from, const std::vector<std::string>& to,
                 const std::string& subject = "s") {
    std::string list;
    for (const auto& t : to)
        list += (list.empty() ? "\"" : ",\"") + t + "\"";
    return R"({"from":")" + from + R"(","to":[)" + list + R"(],"subject":")" + subject +
           R"(","text":"t"})";
}

struct guard_test : test::queue_fixture {
    void SetUp() override {
        queue_fixture::SetUp();
        // The fixture turns the guard off; production's default is on.
        auto on = test::run(
            ioc, queue::publish_settings(client, q.shards, {{"domains.require_verified", "1"}}));
        ASSERT_TRUE(on) << on.error().to_string();
    }

    void publish(const std::string& tenant, const std::string& domain, const std::string& state) {
        auto ok =
            test::run(ioc, domains::publish_sender_state(client, q.shards, tenant, domain, state));
        ASSERT_TRUE(ok) << ok.error().to_string();
    }
    // Through herald's producer: herald_admit_batch with recipients and
    // the From domain vouched for.
    result<queue::admitted> send(const std::string& tenant, const std::string& json) {
        return try_admit(test::enqueued_email(tenant, json));
    }
    // A plain FCALL herald_admit: the function decodes the payload.
    redis::reply raw(const std::string& tenant, const std::string& json,
                     std::vector<std::string> options = {}) {
        std::vector<std::string> argv{"FCALL",        "herald_admit", "1",
                                      prefix(tenant), tenant,         "email",
                                      json,           "now",          std::to_string(clk.now_ms())};
        argv.insert(argv.end(), options.begin(), options.end());
        return server.cmd(argv);
    }
    // The answer's word: "ok", "duplicate" or the refusal's code.
    static std::string word(const result<queue::admitted>& r) {
        if (!r) return std::string(r.error().name());
        return r->duplicate ? "duplicate" : "ok";
    }
    static std::string word(const redis::reply& r) {
        return r[0].str == "err" ? r[1].str : r[0].str;
    }
    std::int64_t stored() { return total_len(channel::email); }
    std::int64_t calls_of(const std::string& command) {
        const std::string info = server.cmd({"INFO", "commandstats"}).str;
        const auto at = info.find("cmdstat_" + command + ":calls=");
        if (at == std::string::npos) return 0;
        return std::stoll(info.substr(at + command.size() + 15));
    }
};

TEST_F(guard_test, mail_from_an_unverified_domain_is_refused_with_what_to_do) {
    auto r = send("acme", email_json("you@example.org"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "domain_not_verified");
    EXPECT_EQ(r.error().http_status(), 403);
    EXPECT_NE(r.error().detail.find("example.com"), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find("herald domain add example.com --tenant acme"),
              std::string::npos)
        << r.error().detail;
    EXPECT_NE(r.error().detail.find("herald domain verify"), std::string::npos);
    auto plain = raw("acme", email_json("you@example.org"));
    EXPECT_EQ(word(plain), "domain_not_verified");
    EXPECT_EQ(plain[2].str, r.error().detail);
    EXPECT_EQ(stored(), 0);
}

TEST_F(guard_test, a_verified_domain_passes_whatever_the_case_of_the_from) {
    publish("acme", "example.com", "verified");
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "a"))), "ok");
    EXPECT_EQ(word(raw("acme", email_json("you@example.org", "b"))), "ok");
    const auto upper = mail("App <app@EXAMPLE.Com>", {"you@example.org"});
    EXPECT_EQ(word(send("acme", upper)), "ok");
    EXPECT_EQ(word(raw("acme", upper)), "ok");  // its own hash: not a duplicate
    // Another domain of the same tenant is still refused.
    EXPECT_EQ(word(send("acme", mail("app@example.net", {"you@example.org"}))),
              "domain_not_verified");
    EXPECT_EQ(stored(), 4);
}

TEST_F(guard_test, a_regressed_domain_sends_until_its_deadline_and_not_after) {
    const auto block_at = clk.now_ms() + 60'000;
    publish("acme", "example.com", domains::regressed_state(block_at));
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "a"))), "ok");
    EXPECT_EQ(word(raw("acme", email_json("you@example.org", "b"))), "ok");
    clk.set(block_at - 1);
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "c"))), "ok");
    clk.set(block_at);
    auto r = send("acme", email_json("you@example.org", "d"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "domain_not_verified");
    EXPECT_NE(r.error().detail.find("failed its recheck"), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find(std::to_string(block_at)), std::string::npos);
    EXPECT_EQ(word(raw("acme", email_json("you@example.org", "e"))), "domain_not_verified");
    EXPECT_EQ(stored(), 3);
}

TEST_F(guard_test, other_states_are_not_verified) {
    for (const std::string state : {"pending", "failed", "regressed:", "regressed:soon"}) {
        publish("acme", "example.com", state);
        EXPECT_EQ(word(send("acme", email_json("you@example.org", state))), "domain_not_verified")
            << state;
        EXPECT_EQ(word(raw("acme", email_json("you@example.org", state))), "domain_not_verified")
            << state;
    }
    EXPECT_EQ(stored(), 0);
}

TEST_F(guard_test, the_sandbox_admits_only_when_every_recipient_is_on_it) {
    set("acme", "domains.sandbox", "dev@example.org, qa@Example.ORG");
    for (const auto& [to, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"dev@example.org"}, "ok"},
             {{"Dev Team <dev@EXAMPLE.org>", "qa@example.org"}, "ok"},
             {{"dev@example.org", "customer@example.org"}, "domain_not_verified"},
             {{"customer@example.org"}, "domain_not_verified"},
             {{"DEV@example.org"}, "domain_not_verified"},  // local parts keep their case
         }) {
        const auto json = mail("app@example.com", to);
        EXPECT_EQ(word(send("acme", json)), expected) << json;
        EXPECT_EQ(word(raw("acme", json)), expected) << json;
    }
    // Another tenant's sandbox does not apply.
    EXPECT_EQ(word(send("globex", mail("app@example.com", {"dev@example.org"}))),
              "domain_not_verified");
}

TEST_F(guard_test, the_sandbox_list_is_short_and_holds_bare_addresses) {
    namespace admin = api::tenant_admin;
    EXPECT_TRUE(
        admin::check_setting("domains.sandbox", std::string("a@example.org,b@example.org")));
    std::string list;
    for (int i = 0; i < 25; ++i)
        list += "r" + std::to_string(i) + "@example.org,";
    EXPECT_TRUE(admin::check_setting("domains.sandbox", list));
    auto too_many = admin::check_setting("domains.sandbox", list + "one-more@example.org");
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error().detail.find("at most 25"), std::string::npos);
    for (const std::string bad : {"Ann <ann@example.org>", "no-at-sign", "@example.org", "ann@"}) {
        auto r = admin::check_setting("domains.sandbox", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().name(), "invalid_argument");
    }
    EXPECT_TRUE(admin::check_setting("domains.require_verified", std::string("0")));
    EXPECT_FALSE(admin::check_setting("domains.require_verified", std::string("2")));
}

TEST_F(guard_test, require_verified_0_admits_and_is_per_tenant) {
    set("acme", "domains.require_verified", "0");
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "a"))), "ok");
    EXPECT_EQ(word(raw("acme", email_json("you@example.org", "b"))), "ok");
    EXPECT_EQ(word(send("globex", email_json("you@example.org", "a"))), "domain_not_verified");
}

TEST_F(guard_test, a_domain_verified_for_one_tenant_does_not_admit_another_tenants_mail) {
    const auto other = neighbour_of("acme");  // the same shard: the keys must still differ
    publish("acme", "example.com", "verified");
    EXPECT_EQ(word(send("acme", email_json("you@example.org"))), "ok");
    EXPECT_EQ(word(send(other, email_json("you@example.org"))), "domain_not_verified");
    EXPECT_EQ(word(raw(other, email_json("you@example.org"))), "domain_not_verified");
    EXPECT_EQ(word(send("globex", email_json("you@example.org"))), "domain_not_verified");
}

TEST_F(guard_test, sms_is_not_affected) {
    const std::string sms = R"({"from":"ACME","to":"+15551234567","body":"code 1234"})";
    auto a = dedupe::admission_of("acme", channel::sms, sms);
    ASSERT_TRUE(a);
    EXPECT_EQ(word(try_admit(*a)), "ok");
    auto plain = server.cmd({"FCALL", "herald_admit", "1", prefix("acme"), "acme", "sms",
                             R"({"from":"ACME","to":"+15551234567","body":"code 5678"})"});
    EXPECT_EQ(word(plain), "ok");
}

TEST_F(guard_test, the_batch_and_the_single_function_agree) {
    publish("acme", "verified.example", "verified");
    publish("acme", "lapsed.example", domains::regressed_state(clk.now_ms() - 1));
    set("acme", "domains.sandbox", "dev@example.org");
    int cases = 0, admitted = 0;
    for (const auto* from : {"a@verified.example", "A <a@Verified.EXAMPLE>", "a@lapsed.example",
                             "a@unknown.example"}) {
        for (const std::vector<std::string>& to :
             {std::vector<std::string>{"dev@example.org"},
              std::vector<std::string>{"dev@example.org", "customer@example.org"}}) {
            // Three doors, three subjects: none is a duplicate of another.
            const auto n = std::to_string(cases++);
            const auto single = word(raw("acme", mail(from, to, "single " + n)));
            // The batch function without the vouched fields decodes the payload too.
            auto bare = server.cmd({"FCALL", "herald_admit_batch", "1", prefix("acme"),
                                    std::to_string(clk.now_ms()), "acme", "email",
                                    mail(from, to, "bare " + n), "", "", "", "", ""});
            const auto vouched = word(send("acme", mail(from, to, "vouched " + n)));
            EXPECT_EQ(single, word(bare[0])) << from << " " << to.size();
            EXPECT_EQ(single, vouched) << from << " " << to.size();
            admitted += single == "ok";
        }
    }
    // Verified (twice): all; lapsed and unknown: the sandbox's only.
    EXPECT_EQ(admitted, 6);
}

TEST_F(guard_test, an_idn_from_domain_is_compared_as_its_a_label) {
    publish("acme", "xn--bcher-kva.example", "verified");
    const auto json = mail(
        "app@b\xc3\xbc"
        "cher.example",
        {"you@example.org"});
    auto a = test::enqueued_email("acme", json);
    EXPECT_EQ(a.from_domain, "xn--bcher-kva.example");
    EXPECT_EQ(word(try_admit(a)), "ok");
    // A plain FCALL must name the A-label; the U-label never matches.
    auto bare = raw("acme", json);
    EXPECT_EQ(word(bare), "domain_not_verified");
    EXPECT_NE(bare[2].str.find("from_domain"), std::string::npos) << bare[2].str;
    EXPECT_EQ(word(raw("acme", json, {"from_domain", "xn--bcher-kva.example"})), "ok");
}

TEST_F(guard_test, a_state_change_takes_effect_on_the_next_call) {
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "a"))), "domain_not_verified");
    publish("acme", "example.com", "verified");
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "b"))), "ok");
    publish("acme", "example.com", "");  // removed
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "c"))), "domain_not_verified");
    EXPECT_EQ(
        server.cmd({"HLEN", queue::senders_key(queue::shard_of("acme", q.shards), "acme")}).integer,
        0);
    publish("acme", "example.com", "verified");
    EXPECT_EQ(word(raw("acme", email_json("you@example.org", "d"))), "ok");
}

TEST_F(guard_test, the_domain_states_are_read_once_per_settings_version) {
    publish("acme", "example.com", "verified");
    ASSERT_EQ(word(send("acme", email_json("you@example.org", "warm"))), "ok");
    server.cmd({"CONFIG", "RESETSTAT"});
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(word(send("acme", email_json("you@example.org", "s" + std::to_string(i)))), "ok");
        ASSERT_EQ(word(raw("acme", email_json("you@example.org", "r" + std::to_string(i)))), "ok");
    }
    EXPECT_EQ(calls_of("hgetall"), 0) << "nothing changed: settings and states from the cache";
    EXPECT_EQ(calls_of("fcall"), 10);
    publish("acme", "example.net", "verified");  // a version bump
    ASSERT_EQ(word(send("acme", email_json("you@example.org", "after"))), "ok");
    // meta, the tenant's own settings, and its domain states: once each.
    EXPECT_EQ(calls_of("hgetall"), 3);
    ASSERT_EQ(word(send("acme", mail("app@example.net", {"you@example.org"}))), "ok");
    EXPECT_EQ(calls_of("hgetall"), 3);
}

TEST_F(guard_test, a_replay_of_an_accepted_message_is_answered_even_after_its_domain_lapsed) {
    publish("acme", "example.com", "verified");
    auto first = try_admit(test::enqueued_email("acme", email_json("you@example.org"), "order-1"));
    ASSERT_TRUE(first);
    publish("acme", "example.com", "");
    auto again = try_admit(test::enqueued_email("acme", email_json("you@example.org"), "order-1"));
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_TRUE(again->replay);
    EXPECT_EQ(again->id, first->id);
}

TEST_F(guard_test, a_refused_message_charges_no_later_guard) {
    set("acme", "breaker.recipient.max", "1");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(word(send("acme", email_json("you@example.org", std::to_string(i)))),
                  "domain_not_verified");
    publish("acme", "example.com", "verified");
    // The breaker never counted the refused ones: the first real one passes.
    EXPECT_EQ(word(send("acme", email_json("you@example.org", "real"))), "ok");
}

TEST_F(guard_test, publishing_checks_its_arguments) {
    const auto shard = queue::shard_of("acme", q.shards);
    for (const auto& [domain, state] :
         std::vector<std::pair<std::string, std::string>>{{"Example.com", "verified"},
                                                          {"b\xc3\xbc"
                                                           "cher.example",
                                                           "verified"},
                                                          {"localhost", "verified"},
                                                          {"example.com", "has space"},
                                                          {"example.com", std::string(65, 'v')}}) {
        auto r =
            test::run(ioc, domains::publish_sender_state(client, q.shards, "acme", domain, state));
        ASSERT_FALSE(r) << domain << " " << state;
        EXPECT_EQ(r.error().name(), "invalid_argument");
    }
    auto bad_tenant = test::run(ioc, domains::publish_sender_state(client, q.shards, "no spaces",
                                                                   "example.com", "verified"));
    ASSERT_FALSE(bad_tenant);
    // A tenant of another shard, published by hand into this one, is refused.
    auto wrong = server.cmd({"FCALL", "herald_sender_state", "1",
                             queue::shard_prefix((shard + 1) % q.shards), "acme", "example.com",
                             "verified"});
    EXPECT_EQ(word(wrong), "wrong_shard");
    EXPECT_EQ(server.cmd({"EXISTS", queue::senders_key(shard, "acme")}).integer, 0);
}

}  // namespace
}  // namespace herald
