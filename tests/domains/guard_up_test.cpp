// The switch's defaults as a user meets them: the config loader tells a
// key the file or the environment set from a default, and `herald up`
// with its own local redis-server admits mail From an unverified domain
// (the README's first enqueue) unless its config file turns the guard on.
#include "core/config.hpp"
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

struct guard_up_test : ::testing::Test {
    fs::path dir = fs::temp_directory_path() / ("herald-guard-up-" + std::to_string(::getpid()));

    void SetUp() override { fs::create_directories(dir); }
    void TearDown() override { fs::remove_all(dir); }

    // build/herald with args; with seconds > 0, stopped by SIGTERM then.
    static std::pair<int, std::string> herald(const std::vector<std::string>& args,
                                              double seconds = 0) {
        std::string cmd = HERALD_BIN;
        for (const auto& a : args)
            cmd += " '" + a + "'";
        if (seconds > 0) cmd = "timeout -s TERM " + std::to_string(seconds) + " " + cmd;
        FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
        std::string out;
        std::array<char, 4096> buf{};
        while (auto n = std::fread(buf.data(), 1, buf.size(), p))
            out.append(buf.data(), n);
        const int status = ::pclose(p);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
    }

    // Runs `herald up` with `extra` in its config file and enqueues one
    // email From an unverified domain through its local Redis: the id, or
    // the refusal's code.
    std::string first_enqueue_under_up(const std::string& name, const std::string& extra) {
        const auto data = dir / name;
        const auto config = dir / (name + ".toml");
        std::ofstream(config) << "[local]\nport = " << test::free_port() << "\ndata_dir = \""
                              << data.string() << "\"\n[transport]\ncapture_dir = \""
                              << (dir / (name + "-capture")).string()
                              << "\"\n[api]\nlisten = \"127.0.0.1:" << test::free_port() << "\"\n"
                              << extra;
        std::thread stack([&] { herald({"up", "--config", config.string()}, 8); });
        std::string answer;
        for (int i = 0; i < 60 && answer.empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            auto [status, out] = herald({"enqueue", "--config", config.string(), "--tenant", "demo",
                                         "--from", "app@example.com", "--to", "you@example.com",
                                         "--subject", "hi", "--text", "first message"});
            json::error_code ec;
            const auto doc = json::parse(out, ec);
            if (ec || !doc.is_object()) continue;
            const auto& o = doc.as_object();
            if (o.contains("id")) answer = "ok";
            // Until the stack is up, enqueue answers Redis trouble.
            if (const auto* e = o.if_contains("error"))
                if (e->at("code") == "domain_not_verified" || e->at("code") == "invalid_message")
                    answer = json::value_to<std::string>(e->at("code"));
        }
        stack.join();
        return answer;
    }
};

TEST_F(guard_up_test, the_loader_tells_given_keys_from_defaults) {
    const auto file = dir / "given.toml";
    std::ofstream(file) << "[domains]\nrequire_verified = 1\n[queue]\nshards = 4\n";
    auto no_env = [](const char*) -> const char* { return nullptr; };
    auto loaded = load_config(file.string(), no_env);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded.was_given("domains.require_verified"));
    EXPECT_TRUE(loaded.was_given("queue.shards"));
    EXPECT_FALSE(loaded.was_given("domains.grace_h"));
    EXPECT_FALSE(load_config("", no_env).was_given("domains.require_verified"));
    auto env = [](const char* name) -> const char* {
        return std::string_view(name) == "HERALD_DOMAINS_REQUIRE_VERIFIED" ? "0" : nullptr;
    };
    auto from_env = load_config("", env);
    ASSERT_TRUE(from_env.ok());
    EXPECT_TRUE(from_env.was_given("domains.require_verified"));
    EXPECT_EQ(from_env.cfg.domains.require_verified, 0u);
}

TEST_F(guard_up_test, up_admits_unverified_mail_unless_its_config_requires_verified_domains) {
    EXPECT_EQ(first_enqueue_under_up("default", ""), "ok") << "the README's first enqueue";
    EXPECT_EQ(first_enqueue_under_up("strict", "[domains]\nrequire_verified = 1\n"),
              "domain_not_verified");
}

}  // namespace
}  // namespace herald
