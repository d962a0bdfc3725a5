// The sms transport in the worker, against fake providers on 127.0.0.1 that
// answer as Twilio, Vonage, Kannel and a generic HTTP API document
// (tests/sms/fake_providers.py): the exact requests, failover in the
// tenant's order, the provider breaker, throttling, the ambiguous class
// never resent, permanent refusals and opt-outs.
#include "sms/transport.hpp"

#include "sms/form.hpp"

#include "queue/keys.hpp"
#include "queue/status.hpp"
#include "queue/suppressions.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/queue_fixture.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_ca.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

namespace herald {
namespace {

namespace json = boost::json;

const std::filesystem::path k_fake =
    std::filesystem::path(HERALD_SMS_TEST_DIR) / "fake_providers.py";

test::fake_http_options fake(const std::string& kind, std::vector<std::string> more = {}) {
    test::fake_http_options o;
    o.script = k_fake;
    o.args = {"--kind", kind, "--account", "AC1", "--secret", "tok"};
    o.args.insert(o.args.end(), more.begin(), more.end());
    return o;
}

// A form field of a recorded body or query, or "<absent>".
std::string form_value(std::string_view text, std::string_view name) {
    if (auto fields = sms::form_decode(text))
        for (const auto& [k, v] : *fields)
            if (k == name) return v;
    return "<absent>";
}

struct sms_transport_test : test::queue_fixture {
    void SetUp() override {
        queue_fixture::SetUp();
        cfg.transport.sms = "providers";
        cfg.sms.status_url = "https://herald.example";
        cfg.sms.connect_timeout_ms = 1000;
        cfg.sms.request_timeout_ms = 1500;
        cfg.sms.provider_failures = 2;
    }

    void add_provider(const std::string& name, const std::string& kind, const test::fake_http& at,
                      std::uint32_t per_sec = 0) {
        sms_provider_config p;
        p.name = name;
        p.kind = kind;
        p.base_url = at.url();
        p.account = "AC1";
        p.secret = "tok";
        p.from = "+15005550006";
        p.signature_secret = "shared";
        p.per_sec = per_sec;
        if (kind == "http") {
            p.body = R"({"to":"{to}","text":"{body}","ref":"{id}"})";
            p.headers = {"Content-Type: application/json", "Authorization: Bearer tok"};
        }
        cfg.sms.providers.push_back(p);
    }

    std::unique_ptr<sms::sms_transport> make_transport() {
        auto t = sms::sms_transport::create(ioc.get_executor(), cfg, client, clk);
        EXPECT_TRUE(t) << t.error().to_string();
        return t ? std::move(*t) : nullptr;
    }

    message_id sms(const std::string& tenant, const std::string& to, const std::string& body) {
        return admit(tenant, R"({"to":")" + to + R"(","body":")" + body + R"("})", channel::sms);
    }

    std::optional<queue::message_status> status(const std::string& tenant, const message_id& id) {
        auto r = test::run(ioc, queue::read_status(client, q.shards, tenant, id));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : std::nullopt;
    }

    // Runs the worker until every SMS stream is empty and nothing waits.
    bool drain(transport& t) {
        return run_worker(
            t, [&] { return total_len(channel::sms) == 0; }, std::chrono::seconds(15));
    }
};

TEST_F(sms_transport_test, sends_the_exact_twilio_form_with_basic_auth_and_a_receipt_url) {
    test::fake_http twilio(fake("twilio"));
    add_provider("tw", "twilio", twilio);
    auto t = make_transport();
    const auto id = sms("acme", "+14155552671", "Your code is 123456");
    ASSERT_TRUE(drain(*t));
    const auto got = twilio.requests();
    ASSERT_EQ(got.size(), 1u) << twilio.log();
    const auto& r = got[0];
    EXPECT_EQ(r.path, "/2010-04-01/Accounts/AC1/Messages.json");
    EXPECT_EQ(r.header("authorization"), "Basic QUMxOnRvaw==");  // AC1:tok
    EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(form_value(r.body, "To"), "+14155552671");
    EXPECT_EQ(form_value(r.body, "From"), "+15005550006");
    EXPECT_EQ(form_value(r.body, "Body"), "Your code is 123456");
    EXPECT_TRUE(form_value(r.body, "StatusCallback")
                    .starts_with("https://herald.example/v1/sms/status/tw?id=" + id.str()))
        << form_value(r.body, "StatusCallback");
    const auto st = status("acme", id);
    ASSERT_TRUE(st);
    EXPECT_NE(st->reply.find("tw"), std::string::npos) << st->reply;
    EXPECT_NE(st->reply.find("SM"), std::string::npos) << "the provider's id is kept" << st->reply;
}

TEST_F(sms_transport_test, each_kind_speaks_its_own_api) {
    test::fake_http vonage(fake("vonage")), kannel(fake("kannel")), http(fake("http"));
    add_provider("vn", "vonage", vonage);
    add_provider("kn", "kannel", kannel);
    add_provider("hp", "http", http);
    auto t = make_transport();
    set("t-vn", "sms.providers", "vn");
    set("t-kn", "sms.providers", "kn");
    set("t-hp", "sms.providers", "hp");
    sms("t-vn", "+447911123456", "Grüße 😀");  // UCS-2
    sms("t-kn", "+447911123457", "plain text");
    sms("t-hp", "+447911123458", "say \\\"hi\\\"");
    ASSERT_TRUE(drain(*t));
    ASSERT_EQ(vonage.requests().size(), 1u) << vonage.log();
    const auto v = vonage.requests()[0];
    EXPECT_EQ(form_value(v.body, "to"), "447911123456");
    EXPECT_EQ(form_value(v.body, "type"), "unicode");
    EXPECT_EQ(form_value(v.body, "text"), "Grüße 😀");
    ASSERT_EQ(kannel.requests().size(), 1u) << kannel.log();
    const auto k = kannel.requests()[0];
    EXPECT_EQ(k.method, "GET");
    EXPECT_EQ(form_value(k.query, "coding"), "0");
    EXPECT_EQ(form_value(k.query, "text"), "plain text");
    ASSERT_EQ(http.requests().size(), 1u) << http.log();
    const auto h = http.requests()[0];
    EXPECT_EQ(h.header("authorization"), "Bearer tok");
    const auto body = json::parse(h.body).as_object();
    EXPECT_EQ(body.at("text").as_string(), "say \"hi\"");
    EXPECT_EQ(body.at("to").as_string(), "+447911123458");
    EXPECT_EQ(dead_count(), 0);
}

TEST_F(sms_transport_test,
       fails_over_in_the_tenants_order_and_skips_a_provider_that_keeps_failing) {
    test::fake_http first(fake("twilio")), second(fake("vonage"));
    add_provider("tw", "twilio", first);
    add_provider("vn", "vonage", second);
    set("acme", "sms.providers", "tw,vn");
    auto t = make_transport();
    first.script(json::array{json::object{{"status", 503}, {"body", "down"}},
                             json::object{{"status", 502}, {"body", "bad gateway"}}});
    sms("acme", "+14155550001", "one");
    ASSERT_TRUE(drain(*t));
    sms("acme", "+14155550002", "two");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(first.requests().size(), 2u) << "a 503, then a 502";
    EXPECT_EQ(second.requests().size(), 2u) << "both went out through the next provider";
    // Two failures in a row (provider_failures = 2): tw is down for everyone.
    sms("acme", "+14155550003", "three");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(first.requests().size(), 2u) << "a provider marked down is not asked";
    EXPECT_EQ(second.requests().size(), 3u);
    EXPECT_EQ(dead_count(), 0);
}

TEST_F(sms_transport_test, a_provider_that_cannot_be_reached_fails_over_at_once) {
    test::fake_http second(fake("twilio"));
    sms_provider_config closed;
    closed.name = "gone";
    closed.kind = "twilio";
    closed.base_url = "http://127.0.0.1:" + std::to_string(test::free_port());  // nobody listens
    cfg.sms.providers.push_back(closed);
    add_provider("tw", "twilio", second);
    auto t = make_transport();
    const auto id = sms("acme", "+14155550001", "one");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(second.requests().size(), 1u) << "nothing reached the first: the next one sends";
    const auto st = status("acme", id);
    ASSERT_TRUE(st);
    EXPECT_NE(st->reply.find("tw"), std::string::npos) << st->reply;
}

TEST_F(sms_transport_test, throttling_goes_to_the_next_provider_or_waits_for_retry_after) {
    test::fake_http only(fake("twilio"));
    add_provider("tw", "twilio", only);
    auto t = make_transport();
    only.script(json::array{json::object{{"status", 429},
                                         {"headers", json::object{{"Retry-After", "30"}}},
                                         {"body", json::object{{"code", 20429}}}}});
    const auto id = sms("acme", "+14155550001", "one");
    ASSERT_TRUE(run_worker(*t, [&] { return retry_len() == 1; }));
    const auto st = status("acme", id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, queue::message_state::queued) << "held back, as herald's own limits do";
    EXPECT_EQ(st->attempts, 0u) << "throttling is no failed attempt";
    EXPECT_GE(st->next_attempt_ms, clk.now_ms() + 30'000) << "the provider's Retry-After";
    EXPECT_EQ(only.requests().size(), 1u);
}

TEST_F(sms_transport_test, vonage_throttling_in_a_200_goes_to_the_next_provider) {
    test::fake_http vonage(fake("vonage")), twilio(fake("twilio"));
    add_provider("vn", "vonage", vonage);
    add_provider("tw", "twilio", twilio);
    auto t = make_transport();
    vonage.script(json::array{json::object{
        {"status", 200},
        {"body", json::object{{"message-count", "1"},
                              {"messages", json::array{json::object{
                                               {"status", "1"},
                                               {"error-text", "Throughput Rate Exceeded"}}}}}}}});
    sms("acme", "+14155550001", "one");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(vonage.requests().size(), 1u);
    EXPECT_EQ(twilio.requests().size(), 1u) << "status 1 is throttling: the next provider sends";
    EXPECT_EQ(dead_count(), 0);
}

TEST_F(sms_transport_test, a_providers_rate_holds_messages_back_without_an_attempt) {
    test::fake_http twilio(fake("twilio"));
    add_provider("tw", "twilio", twilio, /*per_sec=*/1);
    auto t = make_transport();
    for (int i = 0; i < 4; ++i)
        sms("acme", "+1415555000" + std::to_string(i), "hello");
    // The test clock stands still: the GCRA lets its burst through, then
    // every other message waits for the provider's rate.
    ASSERT_TRUE(run_worker(*t, [&] { return total_len(channel::sms) == 0 && retry_len() > 0; }));
    const auto first = twilio.requests().size();
    EXPECT_GE(first, 1u);
    EXPECT_LT(first, 4u) << "one segment per second, and the clock did not move";
    EXPECT_EQ(dead_count(), 0);
    clk.advance(10'000);
    ASSERT_TRUE(run_worker(*t, [&] { return twilio.requests().size() == 4; }));
    EXPECT_EQ(dead_count(), 0) << "held back, never failed";
}

TEST_F(sms_transport_test, an_answer_that_never_came_is_unknown_and_never_sent_again) {
    test::fake_http first(fake("twilio")), second(fake("vonage"));
    add_provider("tw", "twilio", first);
    add_provider("vn", "vonage", second);
    set("acme", "sms.providers", "tw,vn");
    auto t = make_transport();
    first.script(
        json::array{json::object{{"action", "drop_after"}}, json::object{{"delay_ms", 3000}}});
    const auto dropped = sms("acme", "+14155550001", "one");
    ASSERT_TRUE(drain(*t));
    const auto slow = sms("acme", "+14155550002", "two");
    ASSERT_TRUE(drain(*t));
    clk.advance(60'000);  // past the first backoff, within max age
    ASSERT_FALSE(run_worker(
        *t, [] { return false; }, std::chrono::milliseconds(500)));
    EXPECT_EQ(first.requests().size(), 2u) << "each request went out once";
    EXPECT_EQ(second.requests().size(), 0u) << "never to another provider: tw may have them";
    for (const auto& id : {dropped, slow}) {
        const auto st = status("acme", id);
        ASSERT_TRUE(st);
        EXPECT_EQ(st->state, queue::message_state::unknown) << id.str();
    }
    int unknown_events = 0;
    for (const auto& e : server.cmd({"XRANGE", prefix("acme") + ":events", "-", "+"}).elements)
        unknown_events += e[1][1].str == "sms.unknown";
    EXPECT_EQ(unknown_events, 2) << "an sms.unknown event each";
}

TEST_F(sms_transport_test, an_opted_out_recipient_is_suppressed_and_never_sent_to_again) {
    test::fake_http twilio(fake("twilio"));
    add_provider("tw", "twilio", twilio);
    auto t = make_transport();
    twilio.script(json::array{json::object{
        {"status", 400},
        {"body", json::object{{"code", 21610},
                              {"message", "Attempt to send to unsubscribed recipient"}}}}});
    sms("acme", "+14155550009", "one");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(dead_count(), 1);
    EXPECT_EQ(count({"EXISTS", queue::suppression_key(queue::shard_of("acme", q.shards), "acme",
                                                      "+14155550009")}),
              1);
    const auto again = sms("acme", "+14155550009", "two");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(twilio.requests().size(), 1u) << "refused before any provider is called";
    const auto dead = dead_letters();
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_NE(dead[1].at("detail").find("recipient_suppressed"), std::string::npos)
        << dead[1].at("detail");
    (void)again;
}

TEST_F(sms_transport_test, a_refused_number_bounces_without_a_provider_call) {
    test::fake_http twilio(fake("twilio"));
    add_provider("tw", "twilio", twilio);
    auto t = make_transport();
    twilio.script(json::array{json::object{
        {"status", 400}, {"body", json::object{{"code", 21211}, {"message", "Invalid 'To'"}}}}});
    sms("acme", "+14155550010", "one");
    ASSERT_TRUE(drain(*t));
    EXPECT_EQ(dead_count(), 1);
    EXPECT_NE(dead_letters()[0].at("detail").find("twilio_21211"), std::string::npos);
    EXPECT_EQ(count({"EXISTS", queue::suppression_key(queue::shard_of("acme", q.shards), "acme",
                                                      "+14155550010")}),
              0)
        << "an invalid number is refused, not an opt-out";
}

TEST_F(sms_transport_test, verifies_the_providers_certificate) {
    test::test_ca ca;
    auto o = fake("twilio");
    o.cert = ca.cert_file();
    o.key = ca.key_file();
    o.ca = ca.ca_file();
    test::fake_http tls(o);
    add_provider("tw", "twilio", tls);
    cfg.sms.ca_file = ca.other_ca_file().string();
    {
        auto wrong = make_transport();
        sms("acme", "+14155550011", "one");
        ASSERT_TRUE(run_worker(*wrong, [&] { return retry_len() == 1; }));
        EXPECT_EQ(tls.requests().size(), 0u) << "an unknown CA: nothing sent";
    }
    cfg.sms.ca_file = ca.ca_file().string();
    auto right = make_transport();
    clk.advance(60'000);  // past the first backoff, within max age
    ASSERT_TRUE(run_worker(*right, [&] { return tls.requests().size() == 1; }));
}

}  // namespace
}  // namespace herald
