#include "core/log.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace herald::log {
namespace {

// Captures lines; restores the process-wide defaults afterwards.
class log_test : public ::testing::Test {
protected:
    void SetUp() override {
        set_sink([this](std::string_view line) { lines_.emplace_back(line); });
        configure(level::debug, false);
    }
    void TearDown() override {
        set_sink({});
        configure(level::info, false);
    }

    // The single captured line.
    const std::string& only() {
        EXPECT_EQ(lines_.size(), 1u);
        static const std::string none;
        return lines_.empty() ? none : lines_.back();
    }

    // The text after "ts=... level=... " in kv format.
    std::string rest() {
        const auto& l = only();
        const auto pos = l.find(" event=");
        return pos == std::string::npos ? l : l.substr(pos + 1);
    }

    boost::json::object json_line() {
        boost::system::error_code ec;
        auto v = boost::json::parse(only(), ec);
        EXPECT_FALSE(ec) << ec.message() << ": " << only();
        EXPECT_TRUE(v.is_object()) << only();
        return v.is_object() ? v.as_object() : boost::json::object{};
    }

    std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------
// kv

TEST_F(log_test, kv_line_shape) {
    info("worker.started", {{"shard", 3}, {"msg", "hello world"}});
    static const std::regex shape(
        R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info event=worker\.started )"
        R"(shard=3 msg="hello world")");
    EXPECT_TRUE(std::regex_match(only(), shape)) << only();
}

TEST_F(log_test, kv_value_types) {
    const std::string s = "str";
    std::string_view sv = "view";
    info("e", {{"i", -7},
               {"u", 18446744073709551615ull},
               {"d", 0.5},
               {"b", true},
               {"s", s},
               {"v", sv},
               {"c", "lit"}});
    EXPECT_EQ(rest(), "event=e i=-7 u=18446744073709551615 d=0.5 b=true s=str v=view c=lit");
}

TEST_F(log_test, kv_quotes_values_with_spaces_quotes_or_equals) {
    info("e", {{"a", "x=y"}, {"b", "say \"hi\""}, {"c", ""}, {"d", "plain"}});
    EXPECT_EQ(rest(), R"(event=e a="x=y" b="say \"hi\"" c="" d=plain)");
}

TEST_F(log_test, kv_escapes_keep_one_event_on_one_line) {
    info("e", {{"msg", "line1\nline2\r\ttab \\ back\x01"}});
    EXPECT_EQ(rest(), R"(event=e msg="line1\nline2\r\ttab \\ back\x01")");
    EXPECT_EQ(only().find('\n'), std::string::npos);
}

TEST_F(log_test, kv_sanitizes_keys) {
    info("e", {{"bad key=", "v"}, {"", "w"}});
    EXPECT_EQ(rest(), "event=e bad_key_=v _=w");
}

TEST_F(log_test, invalid_utf8_is_replaced) {
    info("e", {{"v", "ok\xff\xc3"}, {"u", "caf\xc3\xa9"}});
    EXPECT_EQ(rest(), "event=e v=ok\xEF\xBF\xBD\xEF\xBF\xBD u=caf\xc3\xa9");
}

TEST_F(log_test, long_values_are_cut) {
    info("e", {{"big", std::string(100000, 'a')}});
    EXPECT_LT(only().size(), 4200u);
    EXPECT_NE(only().find("\xE2\x80\xA6"), std::string::npos);
}

// ---------------------------------------------------------------------------
// json

TEST_F(log_test, json_line_parses_back) {
    configure(level::debug, true);
    warn("send.failed", {{"shard", 3},
                         {"ratio", 0.25},
                         {"retry", false},
                         {"msg", "quote \" back \\ nl \n tab \t ctl \x02 done"},
                         {"bad", "\xff"}});
    const auto o = json_line();
    ASSERT_FALSE(o.empty());
    EXPECT_TRUE(std::regex_match(std::string(o.at("ts").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    EXPECT_EQ(o.at("level").as_string(), "warn");
    EXPECT_EQ(o.at("event").as_string(), "send.failed");
    EXPECT_EQ(o.at("shard").as_int64(), 3);
    EXPECT_EQ(o.at("ratio").as_double(), 0.25);
    EXPECT_EQ(o.at("retry").as_bool(), false);
    EXPECT_EQ(o.at("msg").as_string(), "quote \" back \\ nl \n tab \t ctl \x02 done");
    EXPECT_EQ(o.at("bad").as_string(), "\xEF\xBF\xBD");
    EXPECT_EQ(only().find('\n'), std::string::npos);
}

TEST_F(log_test, json_non_finite_doubles_are_strings) {
    configure(level::debug, true);
    info("e", {{"x", std::numeric_limits<double>::infinity()}});
    EXPECT_EQ(json_line().at("x").as_string(), "inf");
}

// ---------------------------------------------------------------------------
// levels

TEST_F(log_test, level_filtering) {
    configure(level::warn, false);
    EXPECT_FALSE(enabled(level::debug));
    EXPECT_FALSE(enabled(level::info));
    EXPECT_TRUE(enabled(level::warn));
    EXPECT_TRUE(enabled(level::error));
    debug("d");
    info("i");
    warn("w");
    error("x");
    write(level::info, "direct", {});
    ASSERT_EQ(lines_.size(), 2u);
    EXPECT_NE(lines_[0].find("level=warn event=w"), std::string::npos);
    EXPECT_NE(lines_[1].find("level=error event=x"), std::string::npos);
}

TEST(log_levels, parse_and_name) {
    EXPECT_EQ(parse_level("debug"), level::debug);
    EXPECT_EQ(parse_level("info"), level::info);
    EXPECT_EQ(parse_level("warn"), level::warn);
    EXPECT_EQ(parse_level("error"), level::error);
    EXPECT_EQ(parse_level("INFO"), std::nullopt);
    EXPECT_EQ(parse_level("warning"), std::nullopt);
    EXPECT_EQ(name(level::warn), "warn");
}

// ---------------------------------------------------------------------------
// secrets

TEST_F(log_test, secret_wrapper_is_masked) {
    const std::string pw = "hunter2";
    info("auth", {{"user", "bob"}, {"credential", secret{pw}}});
    EXPECT_EQ(rest(), "event=auth user=bob credential=***");
    EXPECT_EQ(only().find("hunter2"), std::string::npos);
}

TEST_F(log_test, secret_keys_are_masked) {
    info("e", {{"password", "p1"},
               {"redis_password", "p2"},
               {"api_token", "p3"},
               {"Authorization", "Bearer p4"},
               {"client_secret", "p5"},
               {"dkim_private_key", "p6"},
               {"token", 12345}});
    EXPECT_EQ(rest(),
              "event=e password=*** redis_password=*** api_token=*** Authorization=*** "
              "client_secret=*** dkim_private_key=*** token=***");
}

TEST_F(log_test, harmless_keys_are_not_masked) {
    info("e", {{"idempotency_key", "abc"}, {"key", "k"}, {"keys", 3}, {"monkey", "m"}});
    EXPECT_EQ(rest(), "event=e idempotency_key=abc key=k keys=3 monkey=m");
}

TEST_F(log_test, json_masks_secrets_too) {
    configure(level::debug, true);
    info("e", {{"token", 42}, {"pw", secret{"x"}}, {"idempotency_key", "k1"}});
    const auto o = json_line();
    ASSERT_FALSE(o.empty());
    EXPECT_EQ(o.at("token").as_string(), "***");
    EXPECT_EQ(o.at("pw").as_string(), "***");
    EXPECT_EQ(o.at("idempotency_key").as_string(), "k1");
}

// ---------------------------------------------------------------------------
// sinks and threads

TEST_F(log_test, concurrent_writers_never_interleave) {
    constexpr int k_threads = 4;
    constexpr int k_lines = 500;
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([t] {
            for (int i = 0; i < k_lines; ++i)
                info("tick", {{"thread", t}, {"i", i}, {"msg", "some longer text here"}});
        });
    for (auto& th : threads)
        th.join();
    ASSERT_EQ(lines_.size(), static_cast<std::size_t>(k_threads * k_lines));
    static const std::regex shape(
        R"(ts=\S+ level=info event=tick thread=\d i=\d+ msg="some longer text here")");
    for (const auto& l : lines_)
        ASSERT_TRUE(std::regex_match(l, shape)) << l;
}

TEST(log_default_sink, writes_one_line_to_stderr) {
    char path[] = "/tmp/herald_log_test_XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::fflush(stderr);
    const int saved = dup(STDERR_FILENO);
    ASSERT_GE(saved, 0);
    ASSERT_GE(dup2(fd, STDERR_FILENO), 0);
    set_sink({});
    configure(level::info, false);
    info("to.stderr", {{"n", 1}});
    dup2(saved, STDERR_FILENO);
    close(saved);

    std::string text(256, '\0');
    const auto n = pread(fd, text.data(), text.size(), 0);
    close(fd);
    unlink(path);
    ASSERT_GT(n, 0);
    text.resize(static_cast<std::size_t>(n));
    EXPECT_TRUE(std::regex_match(text, std::regex("ts=\\S+ level=info event=to\\.stderr n=1\n")))
        << text;
}

}  // namespace
}  // namespace herald::log
