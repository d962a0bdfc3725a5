// Webhooks as ops meet them: `herald webhook add|list|rm|dead|replay`
// against `herald up`, whose dispatcher POSTs the tenant's events to a
// receiver that checks each signature with Python's hmac
// (webhook_receiver.py): refusals with their codes and fields, the secret
// shown once, the endpoint cap, delivery, a receiver down until the batch
// is dead, and a replay delivered once.
#include "queue/keys.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/redis_server.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace herald {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct answer {
    int status = -1;
    json::object doc;
    std::string out;
};

struct webhook_cli_test : ::testing::Test {
    test::redis_server redis;
    test::scratch_dir dir{"herald-webhook-cli"};
    fs::path secrets = dir.path() / "secrets";
    fs::path config = dir.path() / "herald.toml";
    fs::path strict = dir.path() / "strict.toml";
    const std::string tenant = "acme";

    webhook_cli_test() {
        const std::string common = "[redis]\nurl = \"" + redis.url() +
                                   "\"\n[queue]\nshards = 4\n[domains]\nrequire_verified = "
                                   "0\n[transport]\ncapture_dir = \"" +
                                   (dir.path() / "capture").string() + "\"\n";
        std::ofstream(config) << common << "[api]\nlisten = \"127.0.0.1:" << test::free_port()
                              << "\"\n[webhooks]\nallow_http = 1\nallow_private = 1\n"
                              << "max_endpoints = 2\nbackoff_base_ms = 20\n"
                              << "backoff_cap_ms = 100\nretry_budget_s = 1\ntimeout_ms = 2000\n";
        std::ofstream(strict) << common;
    }

    answer herald(std::vector<std::string> args, const fs::path& cfg = {}) {
        args.insert(args.begin(), HERALD_BIN);
        args.insert(args.end(), {"--config", (cfg.empty() ? config : cfg).string()});
        auto r = test::run_command(args);
        answer a{r.exit_code, {}, r.out};
        json::error_code ec;
        auto doc = json::parse(r.out, ec);
        if (!ec && doc.is_object()) a.doc = doc.as_object();
        return a;
    }
    std::string error_code(const answer& a) {
        const auto* e = a.doc.if_contains("error");
        return e ? json::value_to<std::string>(e->at("code")) : "(none: " + a.out + ")";
    }
    std::unique_ptr<test::fake_http> receiver(std::uint16_t port) {
        test::fake_http_options o;
        o.script = HERALD_WEBHOOK_RECEIVER;
        o.args = {"--secrets", secrets.string(), "--port", std::to_string(port)};
        return std::make_unique<test::fake_http>(o);
    }
    std::string events_stream() const { return queue::events_key(queue::shard_of(tenant, 4)); }
    bool group_ready() {
        auto r = redis.cmd({"XINFO", "GROUPS", events_stream()});
        return r.is_array() && r.size() > 0;
    }
    void emit(const std::string& type, const std::string& id) {
        redis.cmd({"XADD", events_stream(), "*", "type", type, "tenant", tenant, "id", id, "ts",
                   "1764430000000"});
    }
    template <class F>
    bool wait(F done, std::chrono::milliseconds limit = 15s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }
};

TEST_F(webhook_cli_test, endpoints_events_dead_letters_and_replay_through_herald_up) {
    const auto port = test::free_port();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    test::child_process up({HERALD_BIN, "up", "--config", config.string()}, dir.path() / "up.out",
                           dir.path() / "up.err");
    ASSERT_TRUE(wait([&] {
        return herald({"tenant", "create", tenant}).status == 0;
    })) << test::read_file(dir.path() / "up.err");

    // Refusals, each with its code and field.
    auto a = herald({"webhook", "add", "--tenant", tenant, "ftp://127.0.0.1/x"});
    EXPECT_EQ(a.status, 1);
    EXPECT_EQ(error_code(a), "invalid_url");
    EXPECT_EQ(a.doc["error"].at("field"), "url");
    a = herald({"webhook", "add", "--tenant", tenant, url}, strict);
    EXPECT_EQ(error_code(a), "https_required");
    a = herald({"webhook", "add", "--tenant", tenant, "https://127.0.0.1:" + std::to_string(port)},
               strict);
    EXPECT_EQ(error_code(a), "address_refused");
    a = herald({"webhook", "add", "--tenant", tenant, url, "--events", "Message.*"});
    EXPECT_EQ(error_code(a), "invalid_events");
    EXPECT_EQ(a.doc["error"].at("field"), "events");
    a = herald({"webhook", "rm", "--tenant", tenant, "we_0000000000000000"});
    EXPECT_EQ(a.status, 1);
    EXPECT_EQ(error_code(a), "webhook_not_found");
    a = herald({"webhook", "replay", "--tenant", tenant, "nope"});
    EXPECT_EQ(error_code(a), "batch_not_found");
    EXPECT_EQ(herald({"webhook", "replay", "--tenant", tenant}).status, 2) << "an id or --all";
    EXPECT_EQ(herald({"webhook", "list", "--tenant", "bad tenant"}).status, 1);

    // Registered: the secret shown once, never listed.
    a = herald({"webhook", "add", "--tenant", tenant, url, "--events", "message.*,breaker.*"});
    ASSERT_EQ(a.status, 0) << a.out;
    const auto id = json::value_to<std::string>(a.doc.at("id"));
    const auto secret = json::value_to<std::string>(a.doc.at("secret"));
    EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
    EXPECT_EQ(json::serialize(a.doc.at("events")), R"(["message.*","breaker.*"])");
    std::ofstream(secrets) << secret << "\n";
    auto second = herald({"webhook", "add", "--tenant", tenant, url + "2"});
    ASSERT_EQ(second.status, 0) << second.out;
    a = herald({"webhook", "add", "--tenant", tenant, url + "3"});
    EXPECT_EQ(error_code(a), "webhook_limit") << "webhooks.max_endpoints = 2";
    ASSERT_EQ(herald({"webhook", "rm", "--tenant", tenant,
                      json::value_to<std::string>(second.doc.at("id"))})
                  .status,
              0);
    a = herald({"webhook", "list", "--tenant", tenant});
    ASSERT_EQ(a.status, 0);
    const auto& list = a.doc.at("webhooks").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(list[0].at("id")), id);
    EXPECT_EQ(json::value_to<std::string>(list[0].at("url")), url);
    EXPECT_FALSE(list[0].as_object().contains("secret"));
    EXPECT_EQ(a.out.find(secret), std::string::npos);

    // herald up's dispatcher delivers; the receiver answers 200 only to a valid signature.
    auto rx = receiver(port);
    ASSERT_TRUE(wait([&] { return group_ready(); })) << test::read_file(dir.path() / "up.err");
    emit("quota.warning", "");  // not in the filter
    emit("message.delivered", "m1");
    ASSERT_TRUE(wait([&] { return !rx->requests().empty(); }))
        << test::read_file(dir.path() / "up.err");
    std::this_thread::sleep_for(1500ms);  // past the retry budget, had it been refused
    auto got = rx->requests();
    ASSERT_EQ(got.size(), 1u) << "delivered at the first try: its signature was valid";
    const auto body = json::parse(got[0].body).as_object();
    EXPECT_EQ(body.at("events").as_array().size(), 1u);
    EXPECT_EQ(body.at("events").as_array()[0].at("type"), "message.delivered");
    a = herald({"webhook", "dead", "--tenant", tenant});
    EXPECT_EQ(a.doc.at("total"), 0) << a.out;

    // The receiver goes down: retried for retry_budget_s, then dead.
    rx.reset();
    emit("message.bounced", "m2");
    ASSERT_TRUE(wait([&] {
        return herald({"webhook", "dead", "--tenant", tenant}).doc["total"] == 1;
    })) << test::read_file(dir.path() / "up.err");
    a = herald({"webhook", "dead", "--tenant", tenant});
    const auto& dead = a.doc.at("dead").as_array();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].at("reason"), "retry_budget");
    EXPECT_EQ(json::value_to<std::string>(dead[0].at("endpoint")), id);
    EXPECT_EQ(dead[0].at("events"), 1);
    const auto batch = json::value_to<std::string>(dead[0].at("id"));

    // Back up, replayed: delivered once.
    rx = receiver(port);
    a = herald({"webhook", "replay", "--tenant", tenant, "--all"});
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(a.doc.at("replayed"), 1);
    ASSERT_TRUE(wait([&] { return !rx->requests().empty(); }));
    std::this_thread::sleep_for(1500ms);
    got = rx->requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].header("herald-webhook-id"), batch);
    a = herald({"webhook", "dead", "--tenant", tenant});
    EXPECT_EQ(a.doc.at("total"), 0) << a.out;

    // A message herald delivers: its own events arrive, in order, signed.
    a = herald({"enqueue", "--tenant", tenant, "--from", "app@example.com", "--to",
                "you@example.com", "--subject", "hi", "--text", "hello"});
    ASSERT_EQ(a.status, 0) << a.out;
    const auto message = json::value_to<std::string>(a.doc.at("id"));
    std::vector<std::string> types;
    ASSERT_TRUE(wait([&] {
        types.clear();
        for (const auto& r : rx->requests()) {
            const auto body = json::parse(r.body);  // .at() on a temporary would dangle
            for (const auto& e : body.at("events").as_array())
                if (e.as_object().contains("id") &&
                    json::value_to<std::string>(e.at("id")) == message)
                    types.push_back(json::value_to<std::string>(e.at("type")));
        }
        return !types.empty() && types.back() == "message.delivered";
    })) << test::read_file(dir.path() / "up.err");
    EXPECT_EQ(types.front(), "message.accepted");

    a = herald({"webhook", "rm", "--tenant", tenant, id});
    EXPECT_EQ(a.status, 0) << a.out;
    a = herald({"webhook", "list", "--tenant", tenant});
    EXPECT_EQ(a.doc.at("webhooks").as_array().size(), 0u) << a.out;
}

}  // namespace
}  // namespace herald
