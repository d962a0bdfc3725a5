// The providers' callbacks through the real HTTP server (api/sms.cpp) on a
// real redis-server: receipts good and forged for each provider kind, a
// receipt walking GET /v1/messages/{id} from sent to delivered, unknown
// providers and messages, malformed callbacks, and STOP/START through
// inbound messages. Signatures are computed by Python (sign_check.py).
#include "queue/suppressions.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/python_runner.hpp"

namespace herald {
namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

std::string escaped(std::string_view s) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

std::string encoded(const fields& f) {
    std::string out;
    for (const auto& [k, v] : f)
        out += (out.empty() ? "" : "&") + escaped(k) + "=" + escaped(v);
    return out;
}

std::string python(std::vector<std::string> args) {
    auto r = test::run_python("sms/sign_check.py", args);
    EXPECT_EQ(r.exit_code, 0);
    while (!r.out.empty() && r.out.back() == '\n')
        r.out.pop_back();
    return r.out;
}

std::vector<std::string> args_of(const fields& f) {
    std::vector<std::string> out;
    for (const auto& [k, v] : f)
        out.push_back(k + "=" + v);
    return out;
}

constexpr std::string_view k_base = "https://herald.example";
const std::map<std::string, std::string> k_form{
    {"Content-Type", "application/x-www-form-urlencoded"}};

struct sms_callbacks_api_test : test::api_fixture {
    void SetUp() override {
        test::api_fixture::SetUp();
        auto provider = [](std::string name, std::string kind, std::string secret,
                           std::string sig_secret) {
            sms_provider_config p;
            p.name = std::move(name);
            p.kind = std::move(kind);
            p.secret = std::move(secret);
            p.signature_secret = std::move(sig_secret);
            return p;
        };
        cfg.sms.status_url = std::string(k_base);
        cfg.sms.providers = {provider("tw", "twilio", "tw-token", ""),
                             provider("vg", "vonage", "vg-api-secret", "vg-sig-secret"),
                             provider("kan", "kannel", "kan-password", "kan-secret"),
                             provider("gw", "http", "", "gw-secret")};
        start_server();
    }

    // An SMS of acme the worker handed to the provider: `sent`.
    message_id sent_sms(const std::string& body) {
        auto id = admit("acme", R"({"from":"ACME","to":"+14155550100","body":")" + body + R"("})",
                        channel::sms);
        test::scripted_transport t;
        t.script = [](const delivery&) { return outcome::delivered("accepted", "SM1 queued"); };
        const auto done =
            queue::shard_prefix(id.shard) + std::string(queue::key_suffix("done")) + id.str();
        EXPECT_TRUE(run_worker(t, [&] { return count({"EXISTS", done}) == 1; }));
        return id;
    }
    std::string state_of(const message_id& id) {
        auto a = as_acme("GET", "/v1/messages/" + id.str());
        EXPECT_EQ(a.status, 200) << a.body;
        return a.status == 200 ? std::string(a.json().at("state").as_string()) : "";
    }

    test::http_answer twilio(const std::string& path_query, const fields& form,
                             const std::string& token = "tw-token") {
        auto args = args_of(form);
        args.insert(args.begin(), {"twilio", token, std::string(k_base) + path_query});
        auto headers = k_form;
        headers["X-Twilio-Signature"] = python(args);
        return call("POST", path_query, encoded(form), "", headers);
    }
    test::http_answer vonage(const std::string& path, fields params,
                             const std::string& secret = "vg-sig-secret") {
        params.emplace_back("timestamp", "1795679100");
        auto args = args_of(params);
        args.insert(args.begin(), {"vonage", "sha256", secret});
        params.emplace_back("sig", python(args));
        return call("POST", path, encoded(params), "", k_form);
    }
    std::string sig(const std::string& secret, const std::string& what) {
        return python({"callback", secret, what});
    }
    std::vector<queue::suppression> suppressions(const std::string& tenant) {
        auto page = test::run(ioc, queue::list_suppressions(client, q.shards, tenant, "", 100));
        EXPECT_TRUE(page);
        return page ? page->items : std::vector<queue::suppression>{};
    }
};

TEST_F(sms_callbacks_api_test, twilio_receipt_moves_the_message_from_sent_to_delivered) {
    auto id = sent_sms("hello");
    EXPECT_EQ(state_of(id), "sent");
    const std::string path = "/v1/sms/status/tw?id=" + id.str();
    auto forged =
        twilio(path, {{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}}, "not-the-token");
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(forged.code(), "bad_signature");
    EXPECT_EQ(state_of(id), "sent") << "a forged receipt changes nothing";

    auto a =
        twilio(path, {{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}, {"ErrorCode", ""}});
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.headers["content-type"], "text/xml");
    EXPECT_NE(a.body.find("<Response>"), std::string::npos);
    auto s = as_acme("GET", "/v1/messages/" + id.str());
    EXPECT_EQ(s.json().at("state").as_string(), "delivered");
    EXPECT_EQ(s.json().at("provider").as_string(), "tw");
    EXPECT_EQ(s.json().at("provider_id").as_string(), "SM1");

    // Twilio's later "sent" (callbacks may come out of order) keeps it delivered.
    EXPECT_EQ(twilio(path, {{"MessageSid", "SM1"}, {"MessageStatus", "sent"}}).status, 200);
    EXPECT_EQ(state_of(id), "delivered");
}

TEST_F(sms_callbacks_api_test, twilio_signature_covers_the_url_herald_was_called_at) {
    auto id = sent_sms("url");
    // Signed for another message's URL, sent to this one's.
    auto args = args_of({{"MessageSid", "SM1"}, {"MessageStatus", "failed"}});
    args.insert(args.begin(),
                {"twilio", "tw-token", std::string(k_base) + "/v1/sms/status/tw?id=1-0-s0"});
    auto headers = k_form;
    headers["X-Twilio-Signature"] = python(args);
    auto a = call("POST", "/v1/sms/status/tw?id=" + id.str(),
                  encoded({{"MessageSid", "SM1"}, {"MessageStatus", "failed"}}), "", headers);
    EXPECT_EQ(a.status, 403);
    EXPECT_EQ(state_of(id), "sent");
    auto unsigned_ =
        call("POST", "/v1/sms/status/tw?id=" + id.str(),
             encoded({{"MessageSid", "SM1"}, {"MessageStatus", "failed"}}), "", k_form);
    EXPECT_EQ(unsigned_.status, 403);
    EXPECT_EQ(unsigned_.code(), "bad_signature");
}

TEST_F(sms_callbacks_api_test, vonage_receipt_by_client_ref) {
    auto id = sent_sms("vonage");
    const fields dlr{{"messageId", "0A0000001"},
                     {"status", "expired"},
                     {"err-code", "5"},
                     {"client-ref", id.str()},
                     {"msisdn", "14155550100"}};
    auto forged = vonage("/v1/sms/status/vg", dlr, "wrong-secret");
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(state_of(id), "sent");
    // A query parameter beside a signed form is not what Vonage signed: it
    // cannot point the receipt at another message.
    auto other = sent_sms("bystander");
    auto a = vonage("/v1/sms/status/vg?client-ref=" + other.str(), dlr);
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.json().at("state").as_string(), "undelivered");
    EXPECT_EQ(a.json().at("id").as_string(), id.str());
    EXPECT_EQ(state_of(id), "undelivered");
    EXPECT_EQ(state_of(other), "sent");
}

TEST_F(sms_callbacks_api_test, kannel_receipt_by_get_with_herald_sig) {
    auto id = sent_sms("kannel");
    const std::string good = sig("kan-secret", "id:" + id.str());
    auto forged = call("GET", "/v1/sms/status/kan?id=" + id.str() +
                                  "&sig=" + sig("kan-secret", "id:1-0-s0") + "&status=1");
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(call("GET", "/v1/sms/status/kan?id=" + id.str() + "&status=1").status, 403);
    EXPECT_EQ(state_of(id), "sent");
    auto a = call("GET", "/v1/sms/status/kan?id=" + id.str() + "&sig=" + good + "&status=1");
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_TRUE(a.json().at("changed").as_bool());
    EXPECT_EQ(state_of(id), "delivered");
    auto bad = call("GET", "/v1/sms/status/kan?id=" + id.str() + "&sig=" + good + "&status=3");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.code(), "malformed_callback");
    EXPECT_EQ(bad.field(), "status");
}

TEST_F(sms_callbacks_api_test, http_receipt_as_json) {
    auto id = sent_sms("http");
    const std::string body =
        R"({"id":")" + id.str() + R"(","provider_id":"p-1","status":"failed","code":"E7"})";
    auto forged =
        call("POST", "/v1/sms/status/gw?id=" + id.str() + "&sig=" + sig("other", "id:" + id.str()),
             body);
    EXPECT_EQ(forged.status, 403);
    EXPECT_EQ(state_of(id), "sent");
    auto a = call("POST",
                  "/v1/sms/status/gw?id=" + id.str() + "&sig=" + sig("gw-secret", "id:" + id.str()),
                  body);
    EXPECT_EQ(a.status, 200) << a.body;
    auto s = as_acme("GET", "/v1/messages/" + id.str());
    EXPECT_EQ(s.json().at("state").as_string(), "failed");
    EXPECT_EQ(s.json().at("provider_code").as_string(), "E7");
}

TEST_F(sms_callbacks_api_test, unknown_provider_unknown_message_and_malformed_receipts) {
    auto none = call("POST", "/v1/sms/status/nobody?id=1-0-s0", "", "", k_form);
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.code(), "unknown_provider");

    auto email = admit("acme", test::email_json("a@example.com"));
    const auto never = message_id{email.ms + 1, 0, channel::sms, email.shard};
    auto unknown = twilio("/v1/sms/status/tw?id=" + never.str(),
                          {{"MessageSid", "SM9"}, {"MessageStatus", "delivered"}});
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.code(), "unknown_message");

    auto malformed = twilio("/v1/sms/status/tw?id=" + never.str(), {{"MessageSid", "SM9"}});
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.code(), "malformed_callback");
    EXPECT_EQ(malformed.field(), "MessageStatus");
}

TEST_F(sms_callbacks_api_test, stop_then_start_through_inbound_messages) {
    const std::string path = "/v1/sms/inbound/tw?tenant=acme";
    auto forged =
        twilio(path, {{"From", "+447911123459"}, {"To", "+15550001"}, {"Body", "STOP"}}, "x");
    EXPECT_EQ(forged.status, 403);
    EXPECT_TRUE(suppressions("acme").empty());

    auto stop = twilio(path, {{"From", "+447911123459"}, {"To", "+15550001"}, {"Body", "  stop "}});
    EXPECT_EQ(stop.status, 200) << stop.body;
    EXPECT_EQ(stop.headers["content-type"], "text/xml");
    auto list = suppressions("acme");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].recipient, "+447911123459");
    EXPECT_EQ(list[0].reason, "STOP from +447911123459");
    EXPECT_TRUE(suppressions("other").empty());

    auto chat = twilio(path, {{"From", "+447911123459"}, {"To", "+15550001"}, {"Body", "stop it"}});
    EXPECT_EQ(chat.status, 200);
    EXPECT_EQ(suppressions("acme").size(), 1u);

    auto start = twilio(path, {{"From", "+447911123459"}, {"To", "+15550001"}, {"Body", "START"}});
    EXPECT_EQ(start.status, 200);
    EXPECT_TRUE(suppressions("acme").empty());
}

TEST_F(sms_callbacks_api_test, kannel_and_http_inbound_are_signed_for_their_tenant) {
    const std::string kan =
        "/v1/sms/inbound/kan?tenant=acme&sig=" + sig("kan-secret", "tenant:acme");
    auto a = call("GET", kan + "&from=%2B14155550199&to=1234&text=QUIT");
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.json().at("keyword").as_string(), "stop");
    ASSERT_EQ(suppressions("acme").size(), 1u);
    // acme's sig does not open other's list.
    auto moved =
        call("GET", "/v1/sms/inbound/kan?tenant=other&sig=" + sig("kan-secret", "tenant:acme") +
                        "&from=%2B14155550199&to=1234&text=STOP");
    EXPECT_EQ(moved.status, 403);
    EXPECT_TRUE(suppressions("other").empty());

    const std::string gw = "/v1/sms/inbound/gw?tenant=acme&sig=" + sig("gw-secret", "tenant:acme");
    auto start = call("POST", gw, R"({"from":"+14155550199","to":"+1555","text":"unstop"})");
    EXPECT_EQ(start.status, 200) << start.body;
    EXPECT_EQ(start.json().at("keyword").as_string(), "start");
    EXPECT_TRUE(suppressions("acme").empty());

    auto malformed = call("POST", gw, R"({"to":"+1555","text":"STOP"})");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.field(), "from");
}

TEST_F(sms_callbacks_api_test, vonage_inbound_stop) {
    const fields stop{
        {"msisdn", "447911123456"}, {"to", "15550001"}, {"text", "Unsubscribe"}, {"type", "text"}};
    const auto acme_sig = sig("vg-sig-secret", "tenant:acme");
    // Vonage's signature leaves out herald's tenant: the URL's tenant_sig
    // covers it, so a signed message replayed at another tenant is refused.
    EXPECT_EQ(vonage("/v1/sms/inbound/vg?tenant=acme", stop).status, 403) << "no tenant_sig";
    EXPECT_EQ(vonage("/v1/sms/inbound/vg?tenant=other&tenant_sig=" + acme_sig, stop).status, 403);
    EXPECT_TRUE(suppressions("other").empty());
    auto a = vonage("/v1/sms/inbound/vg?tenant=acme&tenant_sig=" + acme_sig, stop);
    EXPECT_EQ(a.status, 200) << a.body;
    auto list = suppressions("acme");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].recipient, "+447911123456");
}

}  // namespace
}  // namespace herald
