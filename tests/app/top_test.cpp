// `herald top` as an operator runs it: in a real terminal (tmux, a fixed
// 160x30 size) it shows the header and a row per tenant, q or Ctrl-C ends
// it with status 0, and the terminal is as it was (the same `stty -g`, the
// alternate screen left); through a pipe it prints plain snapshots a
// script splits on spaces. Mail is sent with `herald enqueue` while
// `herald work` delivers it, against a real redis-server.
#include "tests/support/child_process.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace herald {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

struct top_test : ::testing::Test {
    test::redis_server redis;
    test::scratch_dir dir{"herald-top"};
    fs::path config = dir.path() / "herald.toml";
    std::string socket = "herald-top-" + std::to_string(::getpid());
    std::unique_ptr<test::child_process> worker;

    void SetUp() override {
        std::ofstream(config) << "[redis]\nurl = \"" << redis.url() << "\"\n[queue]\nshards = 4\n"
                              << "[domains]\nrequire_verified = 0\n[metrics]\nlisten = \"\"\n"
                              << "[transport]\ncapture_dir = \""
                              << (dir.path() / "capture").string() << "\"\n";
        // A worker initialises the shards and delivers, as in production.
        worker = std::make_unique<test::child_process>(
            std::vector<std::string>{HERALD_BIN, "work", "--config", config.string()},
            dir.path() / "work.out", dir.path() / "work.err");
        // Mail enqueued before the worker made its consumer groups would
        // wait unseen: the tenants come once it says it started.
        bool started = false;
        for (int i = 0; i < 150 && !started; ++i) {
            std::this_thread::sleep_for(100ms);
            started = test::read_file(dir.path() / "work.err").find("event=worker.started") !=
                      std::string::npos;
        }
        ASSERT_TRUE(started) << test::read_file(dir.path() / "work.err");
        ASSERT_EQ(herald({"tenant", "create", "acme"}).exit_code, 0);
        ASSERT_EQ(herald({"tenant", "create", "zeta"}).exit_code, 0);
    }
    void TearDown() override { tmux({"kill-server"}); }

    test::process_result herald(std::vector<std::string> args) {
        args.insert(args.begin(), HERALD_BIN);
        args.insert(args.end(), {"--config", config.string()});
        return test::run_command(args);
    }
    void send(int n) {
        for (int i = 0; i < n; ++i) {
            auto r = herald({"enqueue", "--tenant", "acme", "--from", "app@example.com", "--to",
                             "u" + std::to_string(i) + "@example.com", "--subject",
                             "top " + std::to_string(i), "--text", "hello"});
            ASSERT_EQ(r.exit_code, 0) << r.out;
        }
    }
    test::process_result tmux(std::vector<std::string> args) {
        args.insert(args.begin(), {"tmux", "-L", socket, "-f", "/dev/null"});
        return test::run_command(args);
    }
    std::string screen() { return tmux({"capture-pane", "-p", "-t", "top"}).out; }
    // The pane's text once it holds `what`, within `seconds`; else "".
    std::string wait_screen(const std::string& what, int seconds) {
        for (int i = 0; i < seconds * 10; ++i) {
            auto s = screen();
            if (s.find(what) != std::string::npos) return s;
            std::this_thread::sleep_for(100ms);
        }
        return "";
    }

    // herald top in a 160x30 tmux pane running a plain shell, which
    // records the terminal's settings before and after, and top's status.
    void run_top_in_tmux() {
        ASSERT_EQ(tmux({"new-session", "-d", "-s", "top", "-x", "160", "-y", "30", "env", "PS1=$ ",
                        "bash", "--norc", "--noprofile"})
                      .exit_code,
                  0);
        const auto before = (dir.path() / "stty.before").string();
        const auto after = (dir.path() / "stty.after").string();
        const std::string line = "stty -g > " + before + "; " + HERALD_BIN + " top --config " +
                                 config.string() + "; printf 'TOP_%s=%s\\n' EXIT $?; stty -g > " +
                                 after;
        ASSERT_EQ(tmux({"send-keys", "-t", "top", line, "Enter"}).exit_code, 0);
    }
    void expect_terminal_restored() {
        const auto s = wait_screen("TOP_EXIT=", 10);
        ASSERT_FALSE(s.empty()) << "herald top did not end:\n" << screen();
        EXPECT_NE(s.find("TOP_EXIT=0"), std::string::npos) << s;
        EXPECT_EQ(s.find("TENANT"), std::string::npos) << "the alternate screen is left:\n" << s;
        const auto stty_after = [&] {
            for (int i = 0; i < 50; ++i) {
                auto t = test::read_file(dir.path() / "stty.after");
                if (!t.empty()) return t;
                std::this_thread::sleep_for(100ms);
            }
            return std::string();
        }();
        EXPECT_FALSE(stty_after.empty());
        EXPECT_EQ(stty_after, test::read_file(dir.path() / "stty.before"))
            << "the terminal's settings are put back";
    }
};

TEST_F(top_test, in_a_terminal_it_shows_every_tenant_and_q_puts_the_terminal_back) {
    send(5);
    run_top_in_tmux();
    // acme's rate shows once the second its mail went in is over.
    std::string s;
    std::vector<std::string> lines;
    for (int i = 0; i < 150; ++i) {
        s = screen();
        lines = lines_of(s);
        if (lines.size() > 3 && words_of(lines[3]).size() > 1 && words_of(lines[3])[1] != "0.0")
            break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_GT(lines.size(), 4u) << s;
    EXPECT_EQ(lines[0].rfind("herald top", 0), 0u) << s;
    EXPECT_EQ(
        words_of(lines[2]),
        (std::vector<std::string>{"TENANT", "RATE", "SENT/S", "DELIVERED", "DEFERRED", "BOUNCED",
                                  "REFUSED", "QUEUED", "QUOTA%", "STORAGE", "BREAKER"}))
        << s;
    EXPECT_EQ(words_of(lines[3]).at(0), "acme") << "the busiest first:\n" << s;
    EXPECT_NE(words_of(lines[3]).at(1), "0.0") << s;
    EXPECT_NE(s.find("zeta"), std::string::npos) << s;
    ASSERT_EQ(tmux({"send-keys", "-t", "top", "q"}).exit_code, 0);
    expect_terminal_restored();
}

TEST_F(top_test, ctrl_c_ends_it_as_cleanly_as_q) {
    run_top_in_tmux();
    ASSERT_FALSE(wait_screen("TENANT", 15).empty()) << screen();
    ASSERT_EQ(tmux({"send-keys", "-t", "top", "C-c"}).exit_code, 0);
    expect_terminal_restored();
}

TEST_F(top_test, through_a_pipe_it_prints_plain_snapshots) {
    send(5);
    // The rates count whole seconds: the one the mail went in shows once
    // it is over.
    test::process_result once;
    std::vector<std::string> lines;
    for (int i = 0; i < 50; ++i) {
        once = herald({"top", "--once"});
        ASSERT_EQ(once.exit_code, 0) << once.out;
        lines = lines_of(once.out);
        if (lines.size() > 2 && words_of(lines[2]).size() > 1 && words_of(lines[2])[1] != "0.0")
            break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_GE(lines.size(), 4u) << once.out;
    EXPECT_EQ(lines[0].rfind("# ", 0), 0u) << once.out;
    EXPECT_NE(lines[0].find(" backpressure=off"), std::string::npos) << once.out;
    EXPECT_EQ(words_of(lines[1]).at(0), "TENANT");
    const auto acme = words_of(lines[2]);
    ASSERT_EQ(acme.size(), 11u) << lines[2];
    EXPECT_EQ(acme[0], "acme");
    EXPECT_GT(std::stod(acme[1]), 0.0)
        << "acme's rate: " << lines[2] << "\nworker:\n"
        << test::read_file(dir.path() / "work.err") << "\nkeys: " << [&] {
               std::string all;
               for (const auto& k : redis.cmd({"KEYS", "*"}).elements)
                   all += k.str + " ";
               return all;
           }();
    EXPECT_EQ(words_of(lines[3]).at(0), "zeta");
    EXPECT_EQ(std::stod(words_of(lines[3]).at(1)), 0.0);
    EXPECT_EQ(lines.back(), "") << "a snapshot ends with an empty line";

    // Without --once: a snapshot a second until SIGINT, then status 0.
    auto run = test::run_command({"timeout", "--preserve-status", "-s", "INT", "2.5", HERALD_BIN,
                                  "top", "--config", config.string()});
    EXPECT_EQ(run.exit_code, 0) << run.out;
    int snapshots = 0;
    for (const auto& l : lines_of(run.out))
        snapshots += l.rfind("# ", 0) == 0;
    EXPECT_GE(snapshots, 2) << run.out;
    EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << "no escape sequences in a pipe";
}

}  // namespace
}  // namespace herald
