// The herald binary as a user runs it: every answer of the guards arrives
// through `herald enqueue` as JSON, refusals with their code, HTTP status
// and a non-zero exit; `herald tenant`, `herald limits` and
// `herald config check` do what they say.
#include "queue/keys.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sys/wait.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <thread>

namespace herald {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct run_result {
    int status;
    std::string out;
    json::object doc() const { return json::parse(out).as_object(); }
};

struct cli_test : ::testing::Test {
    test::redis_server server;
    fs::path dir = fs::temp_directory_path() / ("herald-cli-" + std::to_string(::getpid()));
    fs::path config = dir / "herald.toml";

    void SetUp() override {
        fs::create_directories(dir);
        std::ofstream(config) << "[redis]\nurl = \"" << server.url() << "\"\n[queue]\nshards = 4\n"
                              << "[api]\nlisten = \"127.0.0.1:0\"\n"
                              << "[domains]\nrequire_verified = 0\n"
                              << "[transport]\ncapture_dir = \"" << (dir / "capture").string()
                              << "\"\n";
        // A worker process initialises the shards, as in production.
        auto r = herald({"work", "--config", config.string()}, /*background_for_ms=*/800);
        (void)r;
    }
    void TearDown() override { fs::remove_all(dir); }

    // Runs build/herald with args; with background_for_ms, stops it
    // (SIGTERM) after that long.
    run_result herald(std::vector<std::string> args, int background_for_ms = 0) {
        std::string cmd = HERALD_BIN;
        for (auto& a : args)
            cmd += " '" + a + "'";
        if (background_for_ms > 0)
            cmd = "timeout -s TERM " + std::to_string(background_for_ms / 1000.0) + " " + cmd;
        cmd += " 2>/dev/null";
        FILE* p = ::popen(cmd.c_str(), "r");
        std::string out;
        std::array<char, 4096> buf{};
        while (auto n = std::fread(buf.data(), 1, buf.size(), p))
            out.append(buf.data(), n);
        const int status = ::pclose(p);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
    }
    run_result enqueue(std::vector<std::string> extra) {
        std::vector<std::string> a{"enqueue", "--config", config.string(),  "--tenant",
                                   "acme",    "--from",   "app@example.com"};
        a.insert(a.end(), extra.begin(), extra.end());
        return herald(a);
    }
    // `herald <command> <extra...> --config <this test's config>`.
    run_result command(const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> a{name};
        a.insert(a.end(), extra.begin(), extra.end());
        a.insert(a.end(), {"--config", config.string()});
        return herald(a);
    }
    run_result tenant(std::vector<std::string> extra) {
        return command("tenant", std::move(extra));
    }
};

TEST_F(cli_test, help_is_not_an_error_and_a_usage_error_is) {
    for (const auto& cmd : std::vector<std::vector<std::string>>{{"up", "--help"},
                                                                 {"work", "--help"},
                                                                 {"serve", "--help"},
                                                                 {"key", "--help"},
                                                                 {"enqueue", "--help"},
                                                                 {"tenant", "--help"},
                                                                 {"limits", "-h"},
                                                                 {"config", "--help"},
                                                                 {"--help"}}) {
        auto r = herald(cmd);
        EXPECT_EQ(r.status, 0) << cmd[0];
        EXPECT_NE(r.out.find("herald"), std::string::npos) << cmd[0] << ": help on stdout";
    }
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"enqueue", "--no-such-flag"}, {"tenant", "show"}, {"limits"}, {"config"}, {}})
        EXPECT_EQ(herald(cmd).status, 2) << (cmd.empty() ? "(none)" : cmd[0]);
}

TEST_F(cli_test, enqueue_fails_within_a_second_or_so_when_redis_is_down) {
    server.stop();
    const auto start = std::chrono::steady_clock::now();
    auto r = enqueue({"--to", "a@example.com", "--subject", "s", "--text", "t"});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, 1);
    EXPECT_LT(took, std::chrono::seconds(3)) << "a refused connection is immediate";
}

// A drill's full disk: Redis answers even PING with MISCONF. The caller
// hears backpressure in Redis' words, not "no connection".
TEST_F(cli_test, enqueue_on_a_redis_that_cannot_persist_answers_backpressure_with_its_cause) {
    server.stop_writes_like_a_full_disk();
    auto r = enqueue({"--to", "a@example.com", "--subject", "s", "--text", "t"});
    server.resume_writes();
    ASSERT_EQ(r.status, 1) << r.out;
    const auto err = r.doc().at("error").as_object();
    EXPECT_EQ(err.at("code").as_string(), "backpressure") << r.out;
    EXPECT_EQ(err.at("status").as_int64(), 503);
    EXPECT_NE(err.at("message").as_string().find("MISCONF"), json::string::npos) << r.out;
    EXPECT_EQ(enqueue({"--to", "a@example.com", "--subject", "s", "--text", "t"}).status, 0)
        << "writes resume with the disk";
}

TEST_F(cli_test, the_up_banner_tells_where_messages_go_for_the_configured_transport) {
    auto capture = herald({"up", "--config", config.string()}, 1000);
    EXPECT_NE(capture.out.find("  email    captured in " + (dir / "capture").string()),
              std::string::npos)
        << capture.out;
    EXPECT_NE(capture.out.find("  sms      captured in " + (dir / "capture").string()),
              std::string::npos)
        << capture.out;
    std::ofstream(config, std::ios::app)
        << "kind = \"smtp\"\n[smtp]\nrelay_host = \"127.0.0.1\"\nrelay_port = " << test::free_port()
        << "\ntls = \"none\"\n";
    auto smtp = herald({"up", "--config", config.string()}, 1000);
    EXPECT_EQ(smtp.out.find("email    captured"), std::string::npos) << smtp.out;
    EXPECT_NE(smtp.out.find("  email    smtp relay via 127.0.0.1:"), std::string::npos) << smtp.out;
    EXPECT_NE(smtp.out.find("(tls none)"), std::string::npos) << smtp.out;
}

TEST_F(cli_test, up_serves_the_api_and_only_its_own_local_stack_gets_a_demo_key) {
    auto shared = herald({"up", "--config", config.string()}, 1000);
    EXPECT_NE(shared.out.find("  api      http://127.0.0.1:"), std::string::npos) << shared.out;
    EXPECT_EQ(shared.out.find("  key "), std::string::npos)
        << "not on a Redis herald did not start";

    // The README's path: a local stack, its demo key, a curl.
    const auto local_port = test::free_port();
    const auto api_port = test::free_port();
    const fs::path local = dir / "local";
    std::ofstream(dir / "local.toml")
        << "[local]\nport = " << local_port << "\ndata_dir = \"" << (local / "redis").string()
        << "\"\n[transport]\ncapture_dir = \"" << (local / "capture").string()
        << "\"\n[api]\nlisten = \"127.0.0.1:" << api_port << "\"\n";
    run_result up;
    std::thread stack([&] {
        up = herald({"up", "--config", (dir / "local.toml").string()}, 15000);
    });
    const auto key_file = local / "redis" / "demo-api-key";
    std::string key;
    for (int i = 0; i < 80 && key.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream(key_file) >> key;
    }
    ASSERT_EQ(key.rfind("hk_", 0), 0u) << "the demo key is kept under the data folder";
    EXPECT_EQ(fs::status(key_file).permissions() & fs::perms::others_read, fs::perms::none);
    const std::string body =
        R"({"channel":"email","from":"app@example.com","to":"you@example.com","subject":"hi","text":"hello"})";
    test::http_answer answer;
    for (int i = 0; i < 40 && answer.status != 202; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        try {
            test::raw_connection c(api_port);
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                   "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
            answer = c.read();
        } catch (const std::exception&) {
        }
    }
    EXPECT_EQ(answer.status, 202) << answer.body;
    // The config names no admin key: the local stack made one for the
    // dashboard, kept beside the demo key, and it opens the admin routes.
    const auto admin_file = local / "redis" / "admin-api-key";
    std::string admin;
    std::ifstream(admin_file) >> admin;
    EXPECT_EQ(admin.size(), 43u) << "256 bits in base64url";
    EXPECT_EQ(fs::status(admin_file).permissions() & fs::perms::others_read, fs::perms::none);
    {
        test::raw_connection c(api_port);
        c.send("GET /v1/stats/rates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin +
               "\r\n\r\n");
        const auto rates = c.read();
        EXPECT_EQ(rates.status, 200) << rates.body;
    }
    bool captured = false;
    for (int i = 0; i < 40 && !captured; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        captured = fs::exists(local / "capture") && !fs::is_empty(local / "capture");
    }
    EXPECT_TRUE(captured) << "the worker of the same stack delivered it";
    stack.join();
    EXPECT_NE(up.out.find("  key      " + key), std::string::npos) << up.out;
    // The next run keeps the key that still works.
    auto again = herald({"up", "--config", (dir / "local.toml").string()}, 2500);
    EXPECT_NE(again.out.find("  key      " + key), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("/dashboard  (admin key kept in " + (local / "redis").string() +
                             "/admin-api-key)"),
              std::string::npos)
        << again.out;
    std::string admin_again;
    std::ifstream(admin_file) >> admin_again;
    EXPECT_EQ(admin_again, admin) << "the next run keeps the admin key";
}

TEST_F(cli_test, tenants_and_keys_from_the_cli) {
    EXPECT_TRUE(tenant({"create", "acme"}).doc().at("created").as_bool());
    EXPECT_FALSE(tenant({"create", "acme"}).doc().at("created").as_bool());
    EXPECT_EQ(tenant({"create", "no spaces"}).status, 1);
    EXPECT_EQ(tenant({"list"}).doc().at("tenants"), json::parse(R"(["acme"])"));
    auto key = [&](std::vector<std::string> extra) { return command("key", std::move(extra)); };
    auto made = key({"create", "--tenant", "acme", "--name", "ci"});
    ASSERT_EQ(made.status, 0) << made.out;
    const std::string id(made.doc().at("id").as_string());
    EXPECT_EQ(made.doc().at("key").as_string().size(), 46u);
    auto listed = key({"list", "--tenant", "acme"});
    EXPECT_EQ(listed.doc().at("keys").at(0).at("name"), "ci");
    EXPECT_EQ(listed.out.find(made.doc().at("key").as_string().c_str()), std::string::npos);
    EXPECT_EQ(key({"create", "--tenant", "nobody"}).doc().at("error").at("code"), "not_found");
    EXPECT_EQ(key({"revoke", "--tenant", "acme", id}).doc().at("revoked").as_string(), id);
    EXPECT_EQ(key({"revoke", "--tenant", "acme", id}).status, 1);
    EXPECT_EQ(key({"revoke", "--tenant", "acme"}).status, 2) << "revoke names the key";
    EXPECT_EQ(key({"list"}).status, 2) << "--tenant is required";
}

TEST_F(cli_test, enqueue_answers_ids_duplicates_and_replays) {
    auto first = enqueue({"--to", "a@example.com", "--subject", "hi", "--text", "x"});
    ASSERT_EQ(first.status, 0) << first.out;
    const auto id = first.doc().at("id").as_string();
    auto dup = enqueue({"--to", "a@example.com", "--subject", "hi", "--text", "x"});
    ASSERT_EQ(dup.status, 0);
    EXPECT_EQ(dup.doc().at("duplicate_of").as_string(), id);
    auto k1 = enqueue({"--to", "b@example.com", "--text", "y", "--idempotency-key", "order-7"});
    auto k2 = enqueue({"--to", "b@example.com", "--text", "y", "--idempotency-key", "order-7"});
    EXPECT_EQ(k2.doc().at("id"), k1.doc().at("id"));
    EXPECT_TRUE(k2.doc().at("idempotent_replay").as_bool());
    auto reused = enqueue({"--to", "c@example.com", "--text", "z", "--idempotency-key", "order-7"});
    EXPECT_EQ(reused.status, 1);
    EXPECT_EQ(reused.doc().at("error").at("code").as_string(), "idempotency_key_reused");
    EXPECT_EQ(reused.doc().at("error").at("status").as_int64(), 422);
}

TEST_F(cli_test, enqueue_refuses_bad_input_with_a_clear_error) {
    auto r = enqueue({"--subject", "no recipient"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.doc().at("error").at("code").as_string(), "invalid_message");
    EXPECT_NE(std::string(r.doc().at("error").at("message").as_string()).find("recipient"),
              std::string::npos);
    auto bad_tenant = herald({"enqueue", "--config", config.string(), "--tenant", "a b", "--from",
                              "x@y.z", "--to", "q@y.z"});
    EXPECT_EQ(bad_tenant.doc().at("error").at("code").as_string(), "invalid_message");
    std::ofstream(dir / "bad.json") << "{not json";
    auto file = enqueue({"--file", (dir / "bad.json").string()});
    EXPECT_EQ(file.doc().at("error").at("code").as_string(), "invalid_message");
}

TEST_F(cli_test, enqueue_refuses_what_could_never_be_sent_and_stores_nothing) {
    struct bad {
        std::vector<std::string> args;
        const char* code;
        const char* field;
    };
    const std::vector<bad> cases{
        {{"--to", "not an address"}, "invalid_address", "to[0]"},
        {{"--to", "a@@b"}, "invalid_address", "to[0]"},
        {{"--to", "ok@example.org", "--to", "you@"}, "invalid_address", "to[1]"},
        {{"--to", "b@example.org", "--subject", "hi\r\nBcc: x@example.net"},
         "header_injection",
         "subject"},
        {{"--to", "Ann\n <ann@example.org>"}, "header_injection", "to[0]"},
        {{"--channel", "sms", "--to", "5551234", "--body", "hi"}, "invalid_message", "to"},
        {{"--channel", "sms", "--to", "+1555abc", "--body", "hi"}, "invalid_message", "to"},
    };
    for (const auto& c : cases) {
        auto r = enqueue(c.args);
        EXPECT_EQ(r.status, 1) << c.args[1];
        EXPECT_EQ(r.doc().at("error").at("code").as_string(), c.code) << r.out;
        EXPECT_EQ(r.doc().at("error").at("field").as_string(), c.field) << r.out;
    }
    auto from = herald({"enqueue", "--config", config.string(), "--tenant", "acme", "--from",
                        "shop", "--to", "b@example.org"});
    EXPECT_EQ(from.doc().at("error").at("field").as_string(), "from") << from.out;
    std::int64_t stored = 0;
    for (int s = 0; s < 4; ++s)
        for (auto ch : {channel::email, channel::sms})
            stored += server.cmd({"XLEN", queue::ingress_key(s, ch)}).integer;
    EXPECT_EQ(stored, 0);
}

TEST_F(cli_test, tenant_settings_trip_and_reset_a_breaker) {
    ASSERT_EQ(tenant({"set", "acme", "breaker.content.max", "2"}).status, 0);
    EXPECT_EQ(tenant({"set", "acme", "breaker.content.max", "lots"}).status, 1);
    EXPECT_EQ(
        tenant({"set", "acme", "no.such.setting", "1"}).doc().at("error").at("code").as_string(),
        "invalid_argument");
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(enqueue({"--to", "a@example.com", "--text", "x"}).status, 0);
    auto open = enqueue({"--to", "a@example.com", "--text", "x"});
    EXPECT_EQ(open.status, 1);
    EXPECT_EQ(open.doc().at("error").at("code").as_string(), "circuit_open");
    EXPECT_EQ(open.doc().at("error").at("status").as_int64(), 429);
    EXPECT_EQ(open.doc().at("error").at("retry_after").as_int64(), 300);
    auto show = tenant({"show", "acme"}).doc();
    EXPECT_EQ(show.at("settings").at("breaker.content.max").as_string(), "2");
    EXPECT_EQ(show.at("breakers").as_array().size(), 1u);
    EXPECT_EQ(tenant({"breaker", "reset", "acme"}).doc().at("changed").as_int64(), 1);
    EXPECT_EQ(tenant({"breaker", "open", "acme", "tenant", "--seconds", "60"}).status, 0);
    auto paused = enqueue({"--to", "z@example.com", "--text", "new"});
    EXPECT_NE(
        std::string(paused.doc().at("error").at("message").as_string()).find("tenant breaker"),
        std::string::npos);
}

TEST_F(cli_test, quotas_and_limits_are_set_from_the_cli) {
    ASSERT_EQ(tenant({"set", "acme", "quota.email.day", "1"}).status, 0);
    EXPECT_EQ(enqueue({"--to", "a@example.com", "--text", "1"}).status, 0);
    auto over = enqueue({"--to", "b@example.com", "--text", "2"});
    EXPECT_EQ(over.doc().at("error").at("code").as_string(), "quota_exceeded");
    EXPECT_GT(over.doc().at("error").at("retry_after").as_int64(), 0);
    auto set = herald({"limits", "domain", "big.example", "50", "10", "--config", config.string()});
    EXPECT_EQ(set.status, 0) << set.out;
    auto show = herald({"limits", "domain", "big.example", "--config", config.string()}).doc();
    EXPECT_EQ(show.at("per_sec").as_string(), "50");
    // The workers find limited domains in an index, not by scanning keys.
    EXPECT_EQ(server.cmd({"SISMEMBER", "hd:{d}:limited", "big.example"}).integer, 1);
    EXPECT_EQ(
        herald({"limits", "domain", "big.example", "unset", "--config", config.string()}).status,
        0);
    EXPECT_EQ(server.cmd({"SISMEMBER", "hd:{d}:limited", "big.example"}).integer, 0);
    EXPECT_EQ(
        herald({"limits", "domain", "Bad_Domain", "1", "1", "--config", config.string()}).status,
        1);
}

TEST_F(cli_test, config_check_reports_every_problem_with_its_line) {
    std::ofstream(dir / "bad.toml") << "[queue]\nshards = 0\nbatch = \"many\"\n[nope]\n";
    auto r = herald({"config", "check", "--config", (dir / "bad.toml").string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find(":2:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(":3:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(":4:"), std::string::npos) << r.out;
    auto ok = herald({"config", "check", "--config", config.string()});
    EXPECT_EQ(ok.status, 0) << ok.out;
}

}  // namespace
}  // namespace herald
