// SMS as a user meets it: `herald up` with a Twilio provider configured,
// `herald enqueue --channel sms`, the fake Twilio receiving the exact form
// fields, and the message's status walking from sent to delivered when a
// receipt signed as Twilio signs (computed independently by Python's hmac,
// tests/sms/sign_check.py) arrives at the callback URL herald gave; a
// forged receipt changes nothing.
#include "sms/form.hpp"
#include "sms/http_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace herald {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// build/herald with args: exit status and stdout.
std::pair<int, std::string> herald(std::vector<std::string> args) {
    args.insert(args.begin(), HERALD_BIN);
    auto r = test::run_command(args);
    return {r.exit_code, r.out};
}

struct sms_up_test : ::testing::Test {
    test::redis_server redis;
    test::scratch_dir dir{"herald-sms-up"};
    boost::asio::io_context ioc;
    sms::http_client http{ioc.get_executor(), {}};

    sms::http_response call(sms::http_request r) {
        return test::run(ioc, http.perform(std::move(r)), std::chrono::seconds(10));
    }
    json::object get_json(const std::string& url, const std::string& key) {
        sms::http_request r;
        r.method = "GET";
        r.url = url;
        r.headers = {"Authorization: Bearer " + key};
        const auto a = call(r);
        EXPECT_EQ(a.status, 200) << url << " " << a.body;
        json::error_code ec;
        auto doc = json::parse(a.body, ec);
        return !ec && doc.is_object() ? doc.as_object() : json::object{};
    }
};

TEST_F(sms_up_test, an_enqueued_sms_reaches_twilio_and_walks_to_delivered_on_its_signed_receipt) {
    test::fake_http_options o;
    o.script = fs::path(HERALD_SMS_TEST_DIR) / "fake_providers.py";
    o.args = {"--kind", "twilio", "--account", "AC1", "--secret", "tok"};
    test::fake_http twilio(o);
    const auto api_port = test::free_port();
    const std::string api = "http://127.0.0.1:" + std::to_string(api_port);
    const auto config = dir.path() / "herald.toml";
    std::ofstream(config) << "[redis]\nurl = \"" << redis.url() << "\"\n"
                          << "[api]\nlisten = \"127.0.0.1:" << api_port << "\"\n"
                          << "[transport]\nsms = \"providers\"\ncapture_dir = \""
                          << (dir.path() / "capture").string() << "\"\n"
                          << "[sms]\nstatus_url = \"" << api << "\"\n"
                          << "[[sms.providers]]\nname = \"tw\"\nkind = \"twilio\"\nbase_url = \""
                          << twilio.url() << "\"\naccount = \"AC1\"\nsecret = \"tok\"\n"
                          << "from = \"+15005550006\"\n";
    test::child_process up({HERALD_BIN, "up", "--config", config.string()}, dir.path() / "up.out",
                           dir.path() / "up.err");
    std::string key;
    for (int i = 0; i < 100 && key.empty(); ++i) {
        std::this_thread::sleep_for(100ms);
        herald({"tenant", "create", "acme", "--config", config.string()});
        auto [status, out] =
            herald({"key", "create", "--config", config.string(), "--tenant", "acme"});
        json::error_code ec;
        const auto doc = json::parse(out, ec);
        if (!ec && doc.is_object() && doc.as_object().contains("key"))
            key = json::value_to<std::string>(doc.at("key"));
    }
    ASSERT_FALSE(key.empty()) << test::read_file(dir.path() / "up.err");

    auto [status, out] =
        herald({"enqueue", "--config", config.string(), "--tenant", "acme", "--channel", "sms",
                "--to", "+14155552671", "--body", "Your code is 123456"});
    ASSERT_EQ(status, 0) << out;
    const auto id = json::value_to<std::string>(json::parse(out).at("id"));

    for (int i = 0; i < 100 && twilio.requests().empty(); ++i)
        std::this_thread::sleep_for(100ms);
    const auto got = twilio.requests();
    ASSERT_EQ(got.size(), 1u) << test::read_file(dir.path() / "up.err");
    const auto form = sms::form_decode(got[0].body);
    ASSERT_TRUE(form);
    const std::string callback = api + "/v1/sms/status/tw?id=" + id;
    EXPECT_EQ(*form, (sms::form_fields{{"To", "+14155552671"},
                                       {"Body", "Your code is 123456"},
                                       {"From", "+15005550006"},
                                       {"StatusCallback", callback}}));
    EXPECT_EQ(got[0].header("authorization"), "Basic QUMxOnRvaw==");  // AC1:tok

    json::object st;
    for (int i = 0; i < 50 && st["state"] != "sent"; ++i) {
        std::this_thread::sleep_for(100ms);
        st = get_json(api + "/v1/messages/" + id, key);
    }
    EXPECT_EQ(st["state"], "sent") << "accepted by the provider, no receipt yet: " << st;

    // The provider's id, as its answer gave it, for the receipt.
    const auto reply = st.contains("reply") ? json::value_to<std::string>(st["reply"]) : "";
    const auto at = reply.find("SM");
    ASSERT_NE(at, std::string::npos) << reply;
    const std::string message_sid = reply.substr(at, 34);
    const sms::form_fields receipt{
        {"AccountSid", "AC1"}, {"MessageSid", message_sid}, {"MessageStatus", "delivered"}};
    std::vector<std::string> sign_args{"twilio", "tok", callback};
    for (const auto& [k, v] : receipt)
        sign_args.push_back(k + "=" + v);
    const auto signature = test::run_python("sms/sign_check.py", sign_args);
    ASSERT_EQ(signature.exit_code, 0);
    std::string good = signature.out;
    while (!good.empty() && (good.back() == '\n' || good.back() == '\r'))
        good.pop_back();

    sms::http_request forged;
    forged.url = callback;
    forged.headers = {"Content-Type: application/x-www-form-urlencoded",
                      "X-Twilio-Signature: " + std::string(good.rbegin(), good.rend())};
    forged.body = sms::form_encode(receipt);
    EXPECT_EQ(call(forged).status, 403);
    EXPECT_EQ(get_json(api + "/v1/messages/" + id, key)["state"], "sent")
        << "a forged receipt changes nothing";

    auto signed_receipt = forged;
    signed_receipt.headers[1] = "X-Twilio-Signature: " + good;
    const auto answer = call(signed_receipt);
    EXPECT_EQ(answer.status, 200) << answer.body;
    st = get_json(api + "/v1/messages/" + id, key);
    EXPECT_EQ(st["state"], "delivered") << st;
    EXPECT_EQ(st["provider"], "tw") << st;
    EXPECT_EQ(st["provider_id"], json::value(message_sid)) << st;
}

TEST_F(sms_up_test, up_sends_through_every_kind_of_provider_a_tenant_lists) {
    std::vector<std::unique_ptr<test::fake_http>> fakes;
    const auto config = dir.path() / "kinds.toml";
    std::ofstream out(config);
    out << "[redis]\nurl = \"" << redis.url()
        << "\"\n[api]\nlisten = \"127.0.0.1:" << test::free_port()
        << "\"\n[transport]\nsms = \"providers\"\ncapture_dir = \""
        << (dir.path() / "capture").string() << "\"\n";
    const std::vector<std::string> kinds{"twilio", "vonage", "kannel", "http"};
    for (const auto& kind : kinds) {
        test::fake_http_options o;
        o.script = fs::path(HERALD_SMS_TEST_DIR) / "fake_providers.py";
        o.args = {"--kind", kind, "--account", "AC1", "--secret", "tok"};
        fakes.push_back(std::make_unique<test::fake_http>(o));
        out << "[[sms.providers]]\nname = \"" << kind << "\"\nkind = \"" << kind
            << "\"\nbase_url = \"" << fakes.back()->url() << "\"\naccount = \"AC1\"\n"
            << "secret = \"tok\"\nfrom = \"+15005550006\"\n"
            << (kind == "http" ? "body = '{\"to\":\"{to}\",\"text\":\"{body}\"}'\n" : "");
    }
    out.close();
    test::child_process up({HERALD_BIN, "up", "--config", config.string()}, dir.path() / "up.out",
                           dir.path() / "up.err");
    for (const auto& kind : kinds) {
        const std::string tenant = "t-" + kind;
        int status = 1;
        std::string said;
        for (int i = 0; i < 100 && status != 0; ++i) {
            std::this_thread::sleep_for(100ms);
            herald({"tenant", "create", tenant, "--config", config.string()});
            std::tie(status, said) = herald(
                {"tenant", "set", tenant, "sms.providers", kind, "--config", config.string()});
        }
        ASSERT_EQ(status, 0) << said;
        auto [enqueued, id] =
            herald({"enqueue", "--config", config.string(), "--tenant", tenant, "--channel", "sms",
                    "--to", "+14155552671", "--body", "through " + kind});
        ASSERT_EQ(enqueued, 0) << id;
    }
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        for (int t = 0; t < 100 && fakes[i]->requests().empty(); ++t)
            std::this_thread::sleep_for(100ms);
        const auto got = fakes[i]->requests();
        ASSERT_EQ(got.size(), 1u) << kinds[i] << ": " << test::read_file(dir.path() / "up.err");
        const auto& text = got[0].method == "GET" ? got[0].query : got[0].body;
        EXPECT_NE(text.find("through"), std::string::npos) << kinds[i] << ": " << text;
    }
}

}  // namespace
}  // namespace herald
