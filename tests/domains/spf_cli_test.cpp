// `herald spf check` as a black box: the binary against the real dnslib
// server. The first word is the result; fail shows the explanation; the
// trace shows lookups, answers and counts; --json is the evaluation;
// exit 0 whatever the result, 2 on bad arguments.
#include "tests/support/dns_server.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <sstream>

namespace herald {
namespace {

namespace json = boost::json;

struct run_result {
    int status = -1;
    std::string out;

    std::string first_word() const { return out.substr(0, out.find_first_of(": \n")); }
    std::string first_line() const { return out.substr(0, out.find('\n')); }
};

class spf_cli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::dns_server({
            {"cli.test", "TXT", {"v=spf1 include:_spf.cli.test -all exp=why.cli.test"}},
            {"_spf.cli.test", "TXT", {"v=spf1 ip4:192.0.2.0/25 mx ~all"}},
            {"_spf.cli.test", "MX", {"10 mx.cli.test"}},
            {"mx.cli.test", "A", {"198.51.100.25"}},
            {"why.cli.test", "TXT", {"%{i} may not send for %{d}"}},
            {"broken.cli.test", "TXT", {"v=spf1 ip4:192.0.2.1 -all"}},
            {"broken.cli.test", "TXT", {"v=spf1 -all"}},
            {"syntax.cli.test", "TXT", {"v=spf1 ip4:nonsense -all"}},
            {"sf.cli.test", "TXT", {"v=spf1 a:down.cli.test -all"}},
        });
        server_->servfail("down.cli.test");
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    // build/herald with `args` (single-quoted); stderr is dropped.
    static run_result herald(const std::vector<std::string>& args) {
        std::string cmd = HERALD_BIN;
        for (const auto& a : args)
            cmd += " '" + a + "'";
        cmd += " 2>/dev/null";
        FILE* p = ::popen(cmd.c_str(), "r");
        run_result r;
        std::array<char, 4096> buf{};
        while (auto n = std::fread(buf.data(), 1, buf.size(), p))
            r.out.append(buf.data(), n);
        const int status = ::pclose(p);
        r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }

    static run_result check(const std::string& ip, const std::string& domain,
                            std::vector<std::string> extra = {}) {
        std::vector<std::string> a{"spf",      "check", "--ip",         ip,
                                   "--domain", domain,  "--dns-server", server_->server()};
        a.insert(a.end(), extra.begin(), extra.end());
        return herald(a);
    }

    static test::dns_server* server_;
};

test::dns_server* spf_cli::server_ = nullptr;

TEST_F(spf_cli, pass_shows_the_chain_and_the_deciding_term) {
    auto r = check("198.51.100.25", "cli.test");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.first_word(), "pass") << r.out;
    EXPECT_NE(r.out.find("TXT cli.test"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("TXT _spf.cli.test"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("MX _spf.cli.test -> \"10 mx.cli.test\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("A mx.cli.test -> \"198.51.100.25\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("lookups: 2 of 10 DNS lookups, 0 of 2 void lookups"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("decided by: cli.test: include:_spf.cli.test"), std::string::npos)
        << r.out;
}

TEST_F(spf_cli, fail_shows_the_published_explanation) {
    auto r = check("203.0.113.9", "cli.test");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.first_word(), "fail") << r.out;
    std::istringstream lines(r.out);
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    EXPECT_EQ(second, "explanation: 203.0.113.9 may not send for cli.test") << r.out;
    EXPECT_NE(r.out.find("decided by: cli.test: -all"), std::string::npos) << r.out;
}

TEST_F(spf_cli, every_result_word_exits_zero) {
    struct row {
        const char* ip;
        const char* domain;
        const char* word;
    };
    for (const auto& c :
         {row{"192.0.2.1", "cli.test", "pass"}, row{"192.0.2.1", "nothing.cli.test", "none"},
          row{"192.0.2.1", "broken.cli.test", "permerror"},
          row{"192.0.2.1", "syntax.cli.test", "permerror"},
          row{"192.0.2.1", "sf.cli.test", "temperror"}}) {
        auto r = check(c.ip, c.domain);
        EXPECT_EQ(r.status, 0) << c.domain << "\n" << r.out;
        EXPECT_EQ(r.first_word(), c.word) << c.domain << "\n" << r.out;
    }
}

TEST_F(spf_cli, json_is_the_evaluation) {
    auto r = check("203.0.113.9", "cli.test", {"--json", "--sender", "bob@cli.test"});
    EXPECT_EQ(r.status, 0);
    auto doc = json::parse(r.out).as_object();
    EXPECT_EQ(doc.at("result").as_string(), "fail");
    EXPECT_EQ(doc.at("explanation").as_string(), "203.0.113.9 may not send for cli.test");
    EXPECT_EQ(doc.at("dns_lookups").as_int64(), 2);
    EXPECT_EQ(doc.at("void_lookups").as_int64(), 0);
    EXPECT_EQ(doc.at("limits").at("dns_lookups").as_int64(), 10);
    EXPECT_EQ(doc.at("decided_by").as_string(), "cli.test: -all");
    auto trace = doc.at("trace").as_array();
    ASSERT_GE(trace.size(), 4u);
    EXPECT_EQ(trace[0].at("lookup").as_string(), "TXT cli.test");
    EXPECT_EQ(trace[0].at("answers").as_array()[0].as_string(),
              "v=spf1 include:_spf.cli.test -all exp=why.cli.test");
}

TEST_F(spf_cli, bad_arguments_exit_two) {
    const std::vector<std::vector<std::string>> bad = {
        {"spf"},
        {"spf", "check"},
        {"spf", "check", "--ip", "192.0.2.1"},
        {"spf", "check", "--domain", "cli.test"},
        {"spf", "check", "--ip", "not-an-ip", "--domain", "cli.test"},
        {"spf", "verify", "--ip", "192.0.2.1", "--domain", "cli.test"},
        {"spf", "check", "--ip", "192.0.2.1", "--domain", "cli.test", "--dns-server", "nowhere:x"},
        {"spf", "check", "--ip", "192.0.2.1", "--domain", "cli.test", "--bogus"},
    };
    for (const auto& a : bad) {
        auto r = herald(a);
        EXPECT_EQ(r.status, 2) << a.back();
        EXPECT_TRUE(r.out.empty()) << r.out;  // usage goes to stderr
    }
    auto help = herald({"spf", "check", "--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("--dns-server"), std::string::npos);
}

}  // namespace
}  // namespace herald
