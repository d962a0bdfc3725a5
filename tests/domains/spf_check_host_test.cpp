// check_host() (RFC 7208) against a real authoritative DNS server on a
// loopback port (tests/support/dns_server.py): every mechanism, macros in
// live lookups, include and redirect, the lookup, void, MX and PTR limits
// at the limit and one past it, multiple and malformed records, IPv6
// CIDRs, SERVFAIL and timeouts as temperror, exp= explanations, and the
// answer cache.
#include "dns/resolver.hpp"
#include "domains/spf/check_host.hpp"
#include "tests/support/dns_server.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace herald::domains::spf {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::dns_record;

std::vector<dns_record> zone() {
    std::vector<dns_record> z = {
        {"ip4.test", "TXT", {"v=spf1 ip4:192.0.2.0/24 -all"}},
        {"ip6.test", "TXT", {"v=spf1 ip6:2001:db8:1::/48 ip4:192.0.2.1 -all"}},
        {"a.test", "TXT", {"v=spf1 a a:hosts.a.test/24//64 -all"}},
        {"a.test", "A", {"192.0.2.20"}},
        {"a.test", "AAAA", {"2001:db8::20"}},
        {"hosts.a.test", "A", {"198.51.100.1"}},
        {"hosts.a.test", "AAAA", {"2001:db8:5::1"}},
        {"mx.test", "TXT", {"v=spf1 mx mx:other.mx.test/24 -all"}},
        {"mx.test", "MX", {"10 m1.mx.test", "20 m2.mx.test"}},
        {"m1.mx.test", "A", {"192.0.2.30"}},
        {"m2.mx.test", "AAAA", {"2001:db8::30"}},
        {"other.mx.test", "MX", {"10 o1.mx.test"}},
        {"o1.mx.test", "A", {"203.0.113.1"}},
        {"ptr.test", "TXT", {"v=spf1 ptr -all"}},
        {"ptrother.test", "TXT", {"v=spf1 ptr:elsewhere.test -all"}},
        {"40.2.0.192.in-addr.arpa", "PTR", {"other.example", "mail.ptr.test"}},
        {"mail.ptr.test", "A", {"192.0.2.40"}},
        {"41.2.0.192.in-addr.arpa", "PTR", {"fake.ptr.test"}},
        {"fake.ptr.test", "A", {"192.0.2.99"}},
        {"exists.test", "TXT", {"v=spf1 exists:%{ir}.allow.exists.test -all"}},
        {"7.2.0.192.allow.exists.test", "A", {"127.0.0.2"}},
        {"inc.test", "TXT", {"v=spf1 include:incfail.test include:incpass.test -all"}},
        {"incfail.test", "TXT", {"v=spf1 -all"}},
        {"incpass.test", "TXT", {"v=spf1 ip4:192.0.2.80 ~all"}},
        {"incnone.test", "TXT", {"v=spf1 include:nothing.test -all"}},
        {"incbroken.test", "TXT", {"v=spf1 include:broken.test -all"}},
        {"loop1.test", "TXT", {"v=spf1 include:loop2.test -all"}},
        {"loop2.test", "TXT", {"v=spf1 include:loop1.test -all"}},
        {"r1.test", "TXT", {"v=spf1 redirect=r2.test"}},
        {"r2.test", "TXT", {"v=spf1 ip4:198.51.100.0/24 redirect=r3.test"}},
        {"r3.test", "TXT", {"v=spf1 ip4:192.0.2.50 -all"}},
        {"rnone.test", "TXT", {"v=spf1 redirect=nothing.test"}},
        {"rall.test", "TXT", {"v=spf1 ?all redirect=r3.test"}},
        {"multi.test", "TXT", {"v=spf1 -all"}},
        {"multi.test", "TXT", {"v=spf1 +all"}},
        {"withother.test", "TXT", {"google-site-verification=abc"}},
        {"withother.test", "TXT", {"v=spf1 ip4:192.0.2.1 -all"}},
        {"nospf.test", "TXT", {"hello"}},
        {"bad.test", "TXT", {"v=spf1 ip4:192.0.2.300 -all"}},
        {"badinc.test", "TXT", {"v=spf1 include:bad.test -all"}},
        {"split.test", "TXT", {"v=spf1 ip4:192.0.2.1 ", "ip4:192.0.2.2 -all"}},
        {"void2.test", "TXT", {"v=spf1 a:nx1.void.test a:nodata.void.test ip4:192.0.2.70 -all"}},
        {"void3.test",
         "TXT",
         {"v=spf1 a:nx1.void.test a:nodata.void.test exists:nx3.void.test ip4:192.0.2.70 -all"}},
        {"nodata.void.test", "TXT", {"not an address"}},
        {"sf.test", "TXT", {"v=spf1 a:broken.test -all"}},
        {"to.test", "TXT", {"v=spf1 ip4:192.0.2.1 a:silent.test -all"}},
        {"exp.test", "TXT", {"v=spf1 ip4:192.0.2.1 -all exp=why.exp.test"}},
        {"why.exp.test", "TXT", {"%{i} is not one of %{d}'s servers; ask %{l}@%{o} (%{c} %{r})"}},
        {"expmissing.test", "TXT", {"v=spf1 -all exp=nowhere.exp.test"}},
        {"exptwo.test", "TXT", {"v=spf1 -all exp=two.exp.test"}},
        {"two.exp.test", "TXT", {"one"}},
        {"two.exp.test", "TXT", {"two"}},
        {"expinc.test", "TXT", {"v=spf1 include:expinner.test -all"}},
        {"expinner.test", "TXT", {"v=spf1 -all exp=inner.exp.test"}},
        {"inner.exp.test", "TXT", {"inner explanation"}},
        {"expredir.test", "TXT", {"v=spf1 exp=why.exp.test redirect=expinner.test"}},
        {"plusall.test", "TXT", {"v=spf1 +all"}},
        {"qall.test", "TXT", {"v=spf1 ?all"}},
        {"nomatch.test", "TXT", {"v=spf1 ip4:192.0.2.1"}},
        {"alias.test", "CNAME", {"ip4.test"}},
        {"inctoalias.test", "TXT", {"v=spf1 include:alias.test -all"}},
        {"time.test", "TXT", {"v=spf1 -all exp=time.exp.test"}},
        {"time.exp.test", "TXT", {"%{t}"}},
    };
    // Ten includes, and eleven: each included record costs no lookup itself.
    std::string ten = "v=spf1", eleven = "v=spf1";
    for (int i = 1; i <= 11; ++i) {
        auto name = "l" + std::to_string(i) + ".lim.test";
        z.push_back({name, "TXT", {"v=spf1 -all"}});
        if (i <= 10) ten += " include:" + name;
        eleven += " include:" + name;
    }
    z.push_back({"lim10.test", "TXT", {ten + " ip4:192.0.2.60 -all"}});
    z.push_back({"lim11.test", "TXT", {eleven + " ip4:192.0.2.60 -all"}});
    // MX: ten names (the last one matches), and eleven.
    std::vector<std::string> mx10, mx11;
    for (int i = 1; i <= 11; ++i) {
        auto host = "h" + std::to_string(i) + ".mxlim.test";
        z.push_back({host, "A", {"198.51.100." + std::to_string(i)}});
        if (i <= 10) mx10.push_back(std::to_string(i) + " " + host);
        mx11.push_back(std::to_string(i) + " " + host);
    }
    z.push_back({"mx10.test", "MX", mx10});
    z.push_back({"mx11.test", "MX", mx11});
    z.push_back({"mx10.test", "TXT", {"v=spf1 mx -all"}});
    z.push_back({"mx11.test", "TXT", {"v=spf1 mx -all"}});
    // PTR: the validated name is the 10th of the client's names (used), or
    // the 11th (ignored).
    std::vector<std::string> p10, p11;
    for (int i = 1; i <= 9; ++i) {
        p10.push_back("n" + std::to_string(i) + ".elsewhere.test");
        p11.push_back("n" + std::to_string(i) + ".elsewhere.test");
    }
    p10.push_back("good.ptrlim.test");
    p11.push_back("n10.elsewhere.test");
    p11.push_back("good.ptrlim.test");
    z.push_back({"42.2.0.192.in-addr.arpa", "PTR", p10});
    z.push_back({"43.2.0.192.in-addr.arpa", "PTR", p11});
    z.push_back({"good.ptrlim.test", "A", {"192.0.2.42", "192.0.2.43"}});
    z.push_back({"ptrlim.test", "TXT", {"v=spf1 ptr -all"}});
    return z;
}

class spf_check_host : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new test::dns_server(zone()); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    dns::resolver_options dns_opts(std::chrono::milliseconds timeout = 2000ms, int tries = 2) {
        return {.servers = {server_->server()}, .timeout = timeout, .tries = tries};
    }

    evaluation check(const char* ip, std::string domain, std::string sender = {}, options opt = {},
                     dns::resolver_options ro = {}) {
        if (ro.servers.empty()) ro = dns_opts();
        dns::resolver r(ioc.get_executor(), ro);
        query q{asio::ip::make_address(ip), std::move(domain), std::move(sender), "helo.test"};
        auto e = test::run(ioc, check_host(r, q, opt), 60s);
        return e;
    }

    static std::string trace_of(const evaluation& e) {
        std::string s = std::string(to_string(e.code)) + " decided by: " + e.decided_by + "\n";
        for (const auto& t : e.trace) {
            s += "  " + t.domain + " | " + t.term + " | " + t.lookup + " |";
            for (const auto& a : t.answers)
                s += " [" + a + "]";
            s += " | " + t.outcome + "\n";
        }
        return s;
    }

    static bool warned(const evaluation& e, std::string_view part) {
        return std::any_of(e.warnings.begin(), e.warnings.end(),
                           [&](const std::string& w) { return w.find(part) != std::string::npos; });
    }

    static test::dns_server* server_;
    asio::io_context ioc;
};

test::dns_server* spf_check_host::server_ = nullptr;

#define EXPECT_RESULT(e, r) EXPECT_EQ((e).code, (r)) << trace_of(e)

TEST_F(spf_check_host, ip4_pass_and_fail) {
    auto e = check("192.0.2.7", "ip4.test");
    EXPECT_RESULT(e, result::pass);
    EXPECT_EQ(e.decided_by, "ip4.test: ip4:192.0.2.0/24");
    EXPECT_EQ(e.dns_lookups, 0);
    auto f = check("198.51.100.1", "ip4.test");
    EXPECT_RESULT(f, result::fail);
    EXPECT_EQ(f.decided_by, "ip4.test: -all");
    EXPECT_FALSE(f.explanation_published);
    EXPECT_NE(f.explanation.find("ip4.test"), std::string::npos);
}

TEST_F(spf_check_host, ip6_cidr_and_mapped_ipv4) {
    EXPECT_RESULT(check("2001:db8:1:ffff::1", "ip6.test"), result::pass);
    EXPECT_RESULT(check("2001:db8:1::", "ip6.test"), result::pass);
    EXPECT_RESULT(check("2001:db8:2::1", "ip6.test"), result::fail);
    EXPECT_RESULT(check("::ffff:192.0.2.1", "ip6.test"), result::pass);
    EXPECT_RESULT(check("192.0.2.2", "ip6.test"), result::fail);
}

TEST_F(spf_check_host, a_with_dual_cidr) {
    EXPECT_RESULT(check("192.0.2.20", "a.test"), result::pass);
    EXPECT_RESULT(check("2001:db8::20", "a.test"), result::pass);
    EXPECT_RESULT(check("198.51.100.200", "a.test"), result::pass);    // /24
    EXPECT_RESULT(check("2001:db8:5::abcd", "a.test"), result::pass);  // //64
    EXPECT_RESULT(check("2001:db8:5:1::1", "a.test"), result::fail);   // outside //64
    auto e = check("198.51.101.1", "a.test");
    EXPECT_RESULT(e, result::fail);
    EXPECT_EQ(e.dns_lookups, 2);
}

TEST_F(spf_check_host, mx_every_host_both_families) {
    EXPECT_RESULT(check("192.0.2.30", "mx.test"), result::pass);
    EXPECT_RESULT(check("2001:db8::30", "mx.test"), result::pass);
    EXPECT_RESULT(check("203.0.113.77", "mx.test"), result::pass);  // mx:other.mx.test/24
    auto e = check("192.0.2.31", "mx.test");
    EXPECT_RESULT(e, result::fail);
    EXPECT_EQ(e.dns_lookups, 2);
}

TEST_F(spf_check_host, mx_ten_names_at_the_limit_and_eleven_past_it) {
    auto ten = check("198.51.100.10", "mx10.test");
    EXPECT_RESULT(ten, result::pass);
    auto eleven = check("198.51.100.1", "mx11.test");
    EXPECT_RESULT(eleven, result::permerror);
    EXPECT_NE(eleven.decided_by.find("more than 10 MX"), std::string::npos) << eleven.decided_by;
}

TEST_F(spf_check_host, ptr_validated_names) {
    auto e = check("192.0.2.40", "ptr.test");
    EXPECT_RESULT(e, result::pass);
    EXPECT_TRUE(warned(e, "ptr")) << e.warnings.size();
    EXPECT_RESULT(check("192.0.2.40", "ptrother.test"), result::fail);
    // fake.ptr.test points elsewhere: the name does not validate.
    EXPECT_RESULT(check("192.0.2.41", "ptr.test"), result::fail);
    // no PTR at all: no match, not an error.
    EXPECT_RESULT(check("192.0.2.44", "ptr.test"), result::fail);
}

TEST_F(spf_check_host, ptr_looks_at_ten_names_only) {
    EXPECT_RESULT(check("192.0.2.42", "ptrlim.test"), result::pass);
    EXPECT_RESULT(check("192.0.2.43", "ptrlim.test"), result::fail);
}

TEST_F(spf_check_host, exists_with_a_macro) {
    EXPECT_RESULT(check("192.0.2.7", "exists.test"), result::pass);
    auto e = check("192.0.2.8", "exists.test");
    EXPECT_RESULT(e, result::fail);
    EXPECT_EQ(e.void_lookups, 1);
}

TEST_F(spf_check_host, include_pass_fail_none_and_errors) {
    auto e = check("192.0.2.80", "inc.test");
    EXPECT_RESULT(e, result::pass);
    EXPECT_EQ(e.decided_by, "inc.test: include:incpass.test");
    EXPECT_EQ(e.dns_lookups, 2);
    // incpass.test would softfail on its own; through include it is no match.
    EXPECT_RESULT(check("192.0.2.81", "inc.test"), result::fail);
    EXPECT_RESULT(check("192.0.2.81", "incnone.test"), result::permerror);
    EXPECT_RESULT(check("192.0.2.81", "badinc.test"), result::permerror);
}

TEST_F(spf_check_host, include_loop_ends_at_the_lookup_limit) {
    auto e = check("192.0.2.1", "loop1.test");
    EXPECT_RESULT(e, result::permerror);
    EXPECT_EQ(e.dns_lookups, 11);
    EXPECT_NE(e.decided_by.find("more than 10 DNS lookups"), std::string::npos) << e.decided_by;
}

TEST_F(spf_check_host, lookup_limit_at_ten_and_past_it) {
    auto ten = check("192.0.2.60", "lim10.test");
    EXPECT_RESULT(ten, result::pass);
    EXPECT_EQ(ten.dns_lookups, 10);
    EXPECT_TRUE(warned(ten, "10 of the 10"));
    auto eleven = check("192.0.2.60", "lim11.test");
    EXPECT_RESULT(eleven, result::permerror);
    EXPECT_EQ(eleven.decided_by, "more than 10 DNS lookups at lim11.test: include:l11.lim.test");
    EXPECT_EQ(eleven.trace.back().lookups_so_far, 11);
}

TEST_F(spf_check_host, redirect_chain) {
    auto e = check("192.0.2.50", "r1.test");
    EXPECT_RESULT(e, result::pass);
    EXPECT_EQ(e.dns_lookups, 2);
    EXPECT_EQ(e.decided_by, "r3.test: ip4:192.0.2.50");
    EXPECT_RESULT(check("198.51.100.9", "r1.test"), result::pass);  // r2's own term
    EXPECT_RESULT(check("192.0.2.51", "r1.test"), result::fail);
    EXPECT_RESULT(check("192.0.2.51", "rnone.test"), result::permerror);
    // all matches first: the redirect is never followed.
    auto all = check("192.0.2.50", "rall.test");
    EXPECT_RESULT(all, result::neutral);
    EXPECT_EQ(all.dns_lookups, 0);
}

TEST_F(spf_check_host, void_lookups_at_two_and_past_it) {
    auto two = check("192.0.2.70", "void2.test");
    EXPECT_RESULT(two, result::pass);
    EXPECT_EQ(two.void_lookups, 2);
    auto three = check("192.0.2.70", "void3.test");
    EXPECT_RESULT(three, result::permerror);
    EXPECT_EQ(three.void_lookups, 3);
    EXPECT_NE(three.decided_by.find("void lookups"), std::string::npos) << three.decided_by;
}

TEST_F(spf_check_host, records_that_are_not_one_spf_record) {
    EXPECT_RESULT(check("192.0.2.1", "multi.test"), result::permerror);
    EXPECT_RESULT(check("192.0.2.1", "withother.test"), result::pass);
    EXPECT_RESULT(check("192.0.2.1", "nospf.test"), result::none);
    EXPECT_RESULT(check("192.0.2.1", "nothing.test"), result::none);   // NXDOMAIN
    EXPECT_RESULT(check("192.0.2.1", "m1.mx.test"), result::none);     // NODATA
    EXPECT_RESULT(check("192.0.2.1", "localhost"), result::none);      // one label
    EXPECT_RESULT(check("192.0.2.1", "a..test"), result::none);        // empty label
    EXPECT_RESULT(check("192.0.2.1", "bad.test"), result::permerror);  // syntax
    EXPECT_RESULT(check("192.0.2.2", "split.test"), result::pass);     // strings joined
    EXPECT_RESULT(check("192.0.2.3", "nomatch.test"), result::neutral);
}

TEST_F(spf_check_host, servfail_is_temperror_never_fail) {
    server_->servfail("broken.test");
    auto e = check("192.0.2.1", "sf.test");
    EXPECT_RESULT(e, result::temperror);
    EXPECT_NE(e.decided_by.find("SERVFAIL"), std::string::npos) << e.decided_by;
    EXPECT_RESULT(check("192.0.2.1", "incbroken.test"), result::temperror);
    EXPECT_RESULT(check("192.0.2.1", "broken.test"), result::temperror);  // the record itself
}

TEST_F(spf_check_host, timeout_is_temperror) {
    server_->timeout("silent.test");
    auto ro = dns_opts(200ms, 1);
    EXPECT_RESULT(check("192.0.2.9", "to.test", {}, {}, ro), result::temperror);
    // A term before the silent one decides first: no lookup, no error.
    EXPECT_RESULT(check("192.0.2.1", "to.test", {}, {}, ro), result::pass);
}

TEST_F(spf_check_host, out_of_time_is_temperror) {
    options o;
    o.max_duration = 0ms;
    auto e = check("192.0.2.80", "inc.test", {}, o);
    EXPECT_RESULT(e, result::temperror);
    EXPECT_NE(e.decided_by.find("longer than 0 ms"), std::string::npos) << e.decided_by;
    // Terms without DNS still decide.
    EXPECT_RESULT(check("192.0.2.7", "ip4.test", {}, o), result::pass);
}

TEST_F(spf_check_host, exp_explains_a_fail_with_macros) {
    options o;
    o.receiver = "checker.test";
    auto e = check("192.0.2.9", "exp.test", "alice@mail.sender.test", o);
    EXPECT_RESULT(e, result::fail);
    EXPECT_TRUE(e.explanation_published);
    EXPECT_EQ(e.explanation,
              "192.0.2.9 is not one of exp.test's servers; ask alice@mail.sender.test "
              "(192.0.2.9 checker.test)");
    // No explanation for anything but fail.
    auto pass = check("192.0.2.1", "exp.test");
    EXPECT_RESULT(pass, result::pass);
    EXPECT_TRUE(pass.explanation.empty());
}

TEST_F(spf_check_host, exp_problems_fall_back_to_the_default) {
    auto missing = check("192.0.2.9", "expmissing.test");
    EXPECT_RESULT(missing, result::fail);
    EXPECT_FALSE(missing.explanation_published);
    auto two = check("192.0.2.9", "exptwo.test");
    EXPECT_FALSE(two.explanation_published);
    // An included record's exp= is never used...
    auto inc = check("192.0.2.9", "expinc.test");
    EXPECT_RESULT(inc, result::fail);
    EXPECT_FALSE(inc.explanation_published) << inc.explanation;
    // ...a redirect target's is, and the original's is not.
    auto redir = check("192.0.2.9", "expredir.test");
    EXPECT_RESULT(redir, result::fail);
    EXPECT_EQ(redir.explanation, "inner explanation");
}

TEST_F(spf_check_host, t_is_the_time_of_the_check) {
    const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    auto e = check("192.0.2.9", "time.test");
    const auto after = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    ASSERT_TRUE(e.explanation_published) << trace_of(e);
    const auto t = std::stoll(e.explanation);
    EXPECT_GE(t, before);
    EXPECT_LE(t, after);
}

TEST_F(spf_check_host, cnames_are_followed) {
    EXPECT_RESULT(check("192.0.2.7", "alias.test"), result::pass);
    EXPECT_RESULT(check("192.0.2.7", "inctoalias.test"), result::pass);
    EXPECT_RESULT(check("198.51.100.7", "inctoalias.test"), result::fail);
}

// A record longer than the 1232-octet EDNS answer: the UDP answer is
// truncated and c-ares asks again over TCP; the strings are joined.
TEST_F(spf_check_host, a_long_record_comes_over_tcp) {
    std::string record = "v=spf1";
    for (int i = 0; i < 120; ++i)
        record += " ip4:198.51.100." + std::to_string(i) + "/32";
    record += " ip4:203.0.113.250 -all";
    ASSERT_GT(record.size(), 2500u);
    server_->publish({{"long.test", "TXT", {record}}});
    auto e = check("203.0.113.250", "long.test");
    EXPECT_RESULT(e, result::pass);
    ASSERT_FALSE(e.trace.empty());
    ASSERT_EQ(e.trace[0].answers.size(), 1u);
    EXPECT_EQ(e.trace[0].answers[0], record);
    EXPECT_RESULT(check("198.51.100.119", "long.test"), result::pass);
    EXPECT_RESULT(check("198.51.100.120", "long.test"), result::fail);
}

TEST_F(spf_check_host, warnings) {
    auto plus = check("192.0.2.1", "plusall.test");
    EXPECT_RESULT(plus, result::pass);
    EXPECT_TRUE(warned(plus, "+all"));
    auto q = check("192.0.2.1", "qall.test");
    EXPECT_RESULT(q, result::neutral);
    EXPECT_TRUE(warned(q, "?all"));
    EXPECT_TRUE(check("192.0.2.7", "ip4.test").warnings.empty());
}

// Every macro letter and transformer in a live lookup: each record's
// exists: name matches only if the expansion is exactly the one published.
TEST_F(spf_check_host, macros_in_lookups) {
    struct row {
        const char* spec;
        const char* expanded;
    };
    const row rows[] = {
        {"%{s}", "bob.smith@sender.example"},
        {"%{l}", "bob.smith"},
        {"%{o}", "sender.example"},
        {"%{d}", "m4.mac.test"},
        {"%{i}", "192.0.2.40"},
        {"%{h}", "helo.test"},
        {"%{v}", "in-addr"},
        {"%{p}", "mail.ptr.test"},
        {"%{d2}", "mac.test"},
        {"%{ir}", "40.2.0.192"},
        {"%{i2r}", "0.192"},
        {"%{l1r.}", "bob"},
        {"%{o-}", "sender.example"},
        {"%{lr.}", "smith.bob"},
        {"%{S}", "bob.smith%40sender.example"},
        {"a%%b.%{d1}", "a%b.test"},
        {"%{L}", "bob.smith"},
    };
    int n = 0;
    for (const auto& r : rows) {
        auto domain = "m" + std::to_string(++n) + ".mac.test";
        server_->publish(
            {{domain, "TXT", {std::string("v=spf1 exists:") + r.spec + ".x.mac.test -all"}},
             {std::string(r.expanded) + ".x.mac.test", "A", {"127.0.0.2"}}});
        auto e = check("192.0.2.40", domain, "bob.smith@sender.example");
        EXPECT_RESULT(e, result::pass) << r.spec;
    }
    // IPv6: i is nibbles, v is ip6.
    std::string nibbles = "1";
    for (int i = 0; i < 23; ++i)
        nibbles += ".0";
    nibbles += ".8.b.d.0.1.0.0.2";
    server_->publish({{"v6.mac.test", "TXT", {"v=spf1 exists:%{ir}.%{v}.x.mac.test -all"}},
                      {nibbles + ".ip6.x.mac.test", "A", {"127.0.0.2"}}});
    EXPECT_RESULT(check("2001:db8::1", "v6.mac.test"), result::pass);
}

TEST_F(spf_check_host, a_record_published_while_running_is_seen) {
    EXPECT_RESULT(check("192.0.2.90", "live.test"), result::none);
    server_->publish({{"live.test", "TXT", {"v=spf1 ip4:192.0.2.90 -all"}}});
    EXPECT_RESULT(check("192.0.2.90", "live.test"), result::pass);
    server_->publish({{"live.test", "TXT", {"v=spf1 -all"}}});
    EXPECT_RESULT(check("192.0.2.90", "live.test"), result::fail);
    server_->remove("live.test");
    EXPECT_RESULT(check("192.0.2.90", "live.test"), result::none);
}

// The cache answers from what it kept while the TTL runs: a server that
// breaks afterwards is not asked; without the cache it is.
TEST_F(spf_check_host, cache_keeps_answers_for_their_ttl) {
    server_->publish({{"cached.test", "TXT", {"v=spf1 a:host.cached.test -all"}},
                      {"host.cached.test", "A", {"192.0.2.100"}},
                      {"short.test", "TXT", {"v=spf1 ip4:192.0.2.100 -all"}, 0}});
    answer_cache cache;
    options o;
    o.cache = &cache;
    EXPECT_RESULT(check("192.0.2.100", "cached.test", {}, o), result::pass);
    EXPECT_RESULT(check("192.0.2.100", "short.test", {}, o), result::pass);
    EXPECT_EQ(cache.size(), 2u);  // TTL 0 is not kept
    server_->servfail("cached.test");
    server_->servfail("host.cached.test");
    server_->servfail("short.test");
    EXPECT_RESULT(check("192.0.2.100", "cached.test", {}, o), result::pass);
    EXPECT_GE(cache.hits(), 2u);
    EXPECT_RESULT(check("192.0.2.100", "cached.test"), result::temperror);
    EXPECT_RESULT(check("192.0.2.100", "short.test", {}, o), result::temperror);
    server_->remove("cached.test");
    server_->remove("host.cached.test");
    server_->remove("short.test");
}

// NXDOMAIN is kept for the SOA's negative TTL (60 s here, RFC 2308): a
// record published meanwhile is not seen through the cache.
TEST_F(spf_check_host, cache_keeps_negative_answers) {
    answer_cache cache;
    options o;
    o.cache = &cache;
    EXPECT_RESULT(check("192.0.2.100", "later.test", {}, o), result::none);
    EXPECT_EQ(cache.size(), 1u);
    server_->publish({{"later.test", "TXT", {"v=spf1 ip4:192.0.2.100 -all"}}});
    EXPECT_RESULT(check("192.0.2.100", "later.test", {}, o), result::none);
    EXPECT_RESULT(check("192.0.2.100", "later.test"), result::pass);
    server_->remove("later.test");
}

TEST_F(spf_check_host, to_json_carries_the_trace) {
    auto e = check("192.0.2.81", "inc.test");
    auto j = to_json(e);
    EXPECT_EQ(j.at("result").as_string(), "fail");
    EXPECT_EQ(j.at("dns_lookups").as_int64(), 2);
    EXPECT_EQ(j.at("limits").at("dns_lookups").as_int64(), 10);
    EXPECT_TRUE(j.contains("explanation"));
    ASSERT_FALSE(j.at("trace").as_array().empty());
    EXPECT_EQ(j.at("trace").as_array()[0].at("lookup").as_string(), "TXT inc.test");
}

}  // namespace
}  // namespace herald::domains::spf
