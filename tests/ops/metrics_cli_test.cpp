// /metrics of real herald processes: `herald up` counts what admission
// answered its API exactly, per tenant, channel and outcome, on its API
// port, in a text promtool accepts; `herald work` answers on its own
// metrics.listen, sees itself as a worker, and runs on when that address
// cannot be bound.
#include "tests/ops/herald_stack.hpp"
#include "tests/support/queue_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::sample_value;

TEST(metrics_cli_test, up_counts_admission_answers_exactly_and_promtool_accepts_the_text) {
    test::herald_up_stack up;
    for (int n = 1; n <= 6; ++n)
        ASSERT_EQ(up.send(test::numbered_email(n)).status, 202) << n;
    ASSERT_EQ(up.send(test::numbered_email(7), "metrics-key").status, 202);
    // The same key for another message: the admission function refuses it.
    const auto reused = up.send(test::numbered_email(8), "metrics-key");
    ASSERT_EQ(reused.status, 422) << reused.body;
    EXPECT_EQ(reused.code(), "idempotency_key_reused");
    for (int i = 0; i < 2; ++i) {
        const auto again = up.send(test::numbered_email(1));
        ASSERT_EQ(again.status, 200) << again.body;
        EXPECT_TRUE(again.json().as_object().contains("duplicate_of"));
    }

    const auto answer = test::http_call(up.api_port(), "GET", "/metrics");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = answer.body;
    const std::string demo = R"(herald_messages_total{channel="email",outcome=")";
    EXPECT_EQ(sample_value(text, demo + R"(accepted",tenant="demo"})"), 7) << text;
    EXPECT_EQ(sample_value(text, demo + R"(duplicate",tenant="demo"})"), 2);
    EXPECT_EQ(sample_value(text, demo + R"(refused",tenant="demo"})"), 1);
    EXPECT_GT(sample_value(text, "herald_redis_round_trip_seconds_count"), 0)
        << "the API's and the worker's commands are timed";
    EXPECT_EQ(sample_value(text, "herald_gauges_up"), 1);
    EXPECT_GE(sample_value(text, "herald_workers_seen"), 1) << "up's own worker reads the queue";
    const auto [status, lint] = test::promtool_check_metrics(text);
    EXPECT_EQ(status, 0) << lint << "\n" << text;
}

TEST(metrics_cli_test, promtool_refuses_a_broken_text) {
    // The check above can fail: promtool does refuse what is not the format.
    const auto [status, lint] = test::promtool_check_metrics("# TYPE x counter\nx{a=\"b\"} one\n");
    EXPECT_NE(status, 0) << lint;
}

struct metrics_work_test : test::queue_fixture {
    std::string config_with_listen(const std::string& listen) {
        const auto file = dir.path() / ("work-" + std::to_string(++configs) + ".toml");
        std::ofstream(file) << process_config(2000) << "[metrics]\nlisten = \"" << listen << "\"\n";
        return file.string();
    }
    test::scratch_dir dir{"herald-metrics-work"};
    int configs = 0;
};

TEST_F(metrics_work_test, work_answers_metrics_on_its_own_listener) {
    const auto port = test::free_port();
    test::herald_process work(
        {"work", "--config", config_with_listen("127.0.0.1:" + std::to_string(port))},
        dir.path() / "work.log");
    // Bounded wait for the listener and for the worker's first read.
    test::http_answer answer;
    for (int i = 0; i < 150; ++i) {
        answer = test::http_call(port, "GET", "/metrics");
        if (answer.status == 200 && sample_value(answer.body, "herald_workers_seen") >= 1) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(answer.status, 200) << test::read_file(dir.path() / "work.log");
    EXPECT_EQ(answer.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(sample_value(answer.body, "herald_workers_seen"), 1) << answer.body;
    EXPECT_EQ(sample_value(answer.body, "herald_gauges_up"), 1);
    const auto [status, lint] = test::promtool_check_metrics(answer.body);
    EXPECT_EQ(status, 0) << lint;
    EXPECT_EQ(test::http_call(port, "GET", "/nothing").status, 404);
    EXPECT_EQ(test::http_call(port, "POST", "/metrics").status, 405);
    EXPECT_EQ(work.stop(), 0) << test::read_file(dir.path() / "work.log");
}

TEST_F(metrics_work_test, work_runs_on_when_its_metrics_address_is_taken) {
    const auto port = test::free_port();
    test::herald_process first(
        {"work", "--config", config_with_listen("127.0.0.1:" + std::to_string(port))},
        dir.path() / "first.log");
    for (int i = 0; i < 150 && test::http_call(port, "GET", "/healthz").status != 200; ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_EQ(test::http_call(port, "GET", "/healthz").status, 200);
    const auto log = dir.path() / "second.log";
    test::herald_process second(
        {"work", "--config", config_with_listen("127.0.0.1:" + std::to_string(port))}, log);
    // The second worker logs the failed bind and delivers all the same.
    for (int i = 0;
         i < 150 && test::read_file(log).find("metrics.listen_failed") == std::string::npos; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_NE(test::read_file(log).find("metrics.listen_failed"), std::string::npos)
        << test::read_file(log);
    EXPECT_TRUE(second.running());
    EXPECT_EQ(first.stop(), 0);
    const auto id = admit("acme", test::email_json("you@example.com")).str();
    for (int i = 0; i < 150 && total_len(channel::email) > 0; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(total_len(channel::email), 0) << "the second worker delivered " << id;
    EXPECT_EQ(second.stop(), 0) << test::read_file(log);
}

}  // namespace
}  // namespace herald
