// DMARC records (RFC 7489 §6.3), policy discovery with the organizational
// domain from libpsl's public suffix list (§6.6.3), identifier alignment
// (§3.1), and the verdict herald gives.
#include "domains/dmarc.hpp"

#include <gtest/gtest.h>

namespace herald::domains {
namespace {

txt_lookup at(std::string name, std::vector<std::string> records) {
    return {std::move(name), std::move(records), true, ""};
}

txt_lookup timed_out(std::string name) {
    return {std::move(name), {}, false, "timeout"};
}

dmarc_check check_for(std::string from, std::vector<std::string> records) {
    dmarc_check c;
    c.from_domain = from;
    c.at_from = at(dmarc_record_name(from), std::move(records));
    c.dkim_domain = from;
    c.return_path_domain = "hdbounce." + from;
    return c;
}

std::string str(const boost::json::value& v) {
    return std::string(v.as_string());
}

// ---- parsing ------------------------------------------------------------------

TEST(DmarcParse, EveryPolicy) {
    const std::pair<const char*, dmarc_policy> cases[] = {
        {"v=DMARC1; p=none", dmarc_policy::none},
        {"v=DMARC1; p=quarantine", dmarc_policy::quarantine},
        {"v=DMARC1; p=reject", dmarc_policy::reject},
        {"v=DMARC1;p=Reject;", dmarc_policy::reject},
    };
    for (const auto& [text, policy] : cases) {
        auto r = parse_dmarc_record(text);
        ASSERT_TRUE(r.has_value()) << text << ": " << r.error();
        EXPECT_EQ(r->policy, policy) << text;
        EXPECT_FALSE(r->subdomain_policy) << text;
        EXPECT_EQ(r->adkim, alignment_mode::relaxed) << text;
        EXPECT_EQ(r->aspf, alignment_mode::relaxed) << text;
        EXPECT_EQ(r->pct, 100) << text;
    }
}

TEST(DmarcParse, EveryTag) {
    auto r = parse_dmarc_record(
        " v = DMARC1 ; p=reject; sp=quarantine; adkim=s; ASPF=r; pct=50; "
        "rua=mailto:a@x.example, mailto:b@y.example!10m; ruf=mailto:f@x.example; fo=1:d; "
        "ri=86400; rf=afrf; np=reject; future=1");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->policy, dmarc_policy::reject);
    EXPECT_EQ(r->subdomain_policy, dmarc_policy::quarantine);
    EXPECT_EQ(r->adkim, alignment_mode::strict);
    EXPECT_EQ(r->aspf, alignment_mode::relaxed);
    EXPECT_EQ(r->pct, 50);
    EXPECT_EQ(r->rua, (std::vector<std::string>{"mailto:a@x.example", "mailto:b@y.example"}));
    EXPECT_EQ(r->ruf, std::vector<std::string>{"mailto:f@x.example"});
}

TEST(DmarcParse, MalformedRecords) {
    const std::pair<const char*, const char*> cases[] = {
        {"v=DMARC1", "p= (the policy) is missing"},
        {"v=DMARC1; p=block", "p=block"},
        {"v=DMARC1; p=", "p="},
        {"v=DMARC1; p=none; sp=maybe", "sp=maybe"},
        {"v=DMARC1; p=none; adkim=x", "adkim=x"},
        {"v=DMARC1; p=none; aspf=relaxed", "aspf=relaxed"},
        {"v=DMARC1; p=none; pct=101", "pct=101"},
        {"v=DMARC1; p=none; pct=-1", "pct=-1"},
        {"v=DMARC1; p=none; pct=", "pct="},
        {"v=DMARC1; p=none; rua=dmarc@example.com", "not a URI"},
        {"v=DMARC1; p=none; rua=mailto:a@x.example!big", "not a URI"},
        {"v=DMARC1; p=none; ruf=mailto:a@x.example,", "not a URI"},
        {"v=DMARC1; p=none; fo=2", "fo=2"},
        {"v=DMARC1; p=none; ri=daily", "ri=daily"},
        {"p=none; v=DMARC1", "start with v=DMARC1"},
        {"v=dmarc1; p=none", "not exactly DMARC1"},
        {"v=DMARC1p=none", "not exactly DMARC1"},
        {"v=DMARC1; p=none; p=reject", "twice"},
        {"v=DMARC1; p=none; P=reject", "twice"},
        {"v=DMARC1; p=none;; rua=mailto:a@x.example", "empty"},
        {"v=DMARC1; p none", "no \"=\""},
    };
    for (const auto& [text, why] : cases) {
        auto r = parse_dmarc_record(text);
        ASSERT_FALSE(r.has_value()) << text;
        EXPECT_NE(r.error().find(why), std::string::npos) << text << " -> " << r.error();
    }
}

TEST(DmarcParse, CandidatesStartWithTheVersion) {
    EXPECT_TRUE(is_dmarc_candidate("v=DMARC1; p=none"));
    EXPECT_TRUE(is_dmarc_candidate("  V = dmarc1; p=none"));
    EXPECT_TRUE(is_dmarc_candidate("v=DMARC1p=none")) << "malformed, not ignored";
    EXPECT_FALSE(is_dmarc_candidate("v=spf1 -all"));
    EXPECT_FALSE(is_dmarc_candidate("p=none; v=DMARC1"));
    EXPECT_FALSE(is_dmarc_candidate("google-site-verification=abc"));
    EXPECT_FALSE(is_dmarc_candidate(""));
}

// ---- organizational domain and alignment --------------------------------------

TEST(DmarcOrganizationalDomain, FromThePublicSuffixList) {
    EXPECT_EQ(organizational_domain("example.com"), "example.com");
    EXPECT_EQ(organizational_domain("a.b.mail.example.com"), "example.com");
    EXPECT_EQ(organizational_domain("mail.example.co.uk"), "example.co.uk");
    EXPECT_EQ(organizational_domain("example.co.uk"), "example.co.uk");
    EXPECT_EQ(organizational_domain("Mail.Example.CO.UK."), "example.co.uk");
    EXPECT_EQ(organizational_domain("shop.tenant.github.io"), "tenant.github.io");
    EXPECT_EQ(organizational_domain("x.example.test"), "example.test");
    EXPECT_EQ(organizational_domain("co.uk"), "co.uk") << "a public suffix is its own";
    EXPECT_EQ(organizational_domain("localhost"), "localhost");
}

TEST(DmarcAlignment, RelaxedAndStrictForSubdomains) {
    using enum alignment_mode;
    EXPECT_TRUE(aligned("example.com", "example.com", strict));
    EXPECT_TRUE(aligned("Example.COM.", "example.com", strict));
    EXPECT_TRUE(aligned("mail.example.com", "example.com", relaxed));
    EXPECT_FALSE(aligned("mail.example.com", "example.com", strict));
    EXPECT_TRUE(aligned("example.com", "news.example.com", relaxed));
    EXPECT_FALSE(aligned("example.com", "news.example.com", strict));
    EXPECT_TRUE(aligned("hdbounce.shop.example.co.uk", "example.co.uk", relaxed));
    EXPECT_TRUE(aligned("a.example.co.uk", "b.example.co.uk", relaxed));
    EXPECT_FALSE(aligned("example.co.uk", "other.co.uk", relaxed)) << "co.uk is a public suffix";
    EXPECT_FALSE(aligned("a.github.io", "b.github.io", relaxed)) << "private suffix";
    EXPECT_FALSE(aligned("example.net", "example.com", relaxed));
}

TEST(DmarcDiscovery, FallbackNameIsTheOrganizationalDomainsRecord) {
    const auto from = "mail.example.co.uk";
    EXPECT_EQ(dmarc_record_name(from), "_dmarc.mail.example.co.uk");
    EXPECT_EQ(dmarc_fallback_name(from, at("_dmarc.mail.example.co.uk", {})),
              "_dmarc.example.co.uk");
    EXPECT_EQ(dmarc_fallback_name(from, at("_dmarc.mail.example.co.uk", {"v=spf1 -all"})),
              "_dmarc.example.co.uk")
        << "a record that is not DMARC is left out";
    EXPECT_EQ(dmarc_fallback_name(from, at("_dmarc.mail.example.co.uk", {"v=DMARC1; p=none"})),
              std::nullopt);
    EXPECT_EQ(dmarc_fallback_name(from, at("_dmarc.mail.example.co.uk", {"v=DMARC1; p=bad"})),
              std::nullopt)
        << "a malformed DMARC record is still the record";
    EXPECT_EQ(dmarc_fallback_name(from, timed_out("_dmarc.mail.example.co.uk")), std::nullopt);
    EXPECT_EQ(dmarc_fallback_name("example.co.uk", at("_dmarc.example.co.uk", {})), std::nullopt);
}

// ---- the verdict --------------------------------------------------------------

TEST(DmarcVerdict, EveryPolicyPassesWhenHeraldAligns) {
    for (const char* p : {"none", "quarantine", "reject"}) {
        const auto v = dmarc_verdict(check_for("example.com", {"v=DMARC1; p=" + std::string(p)}));
        EXPECT_EQ(v.status, verdict_status::pass) << p << ": " << v.reason;
        EXPECT_EQ(v.record, "dmarc");
        EXPECT_TRUE(v.warnings.empty()) << p;
        EXPECT_EQ(v.details.at("present").as_bool(), true);
        EXPECT_EQ(str(v.details.at("policy")), p);
        EXPECT_EQ(str(v.details.at("applied_policy")), p);
        EXPECT_EQ(str(v.details.at("source")), "_dmarc.example.com");
        const auto& dkim = v.details.at("alignment").at("dkim");
        EXPECT_EQ(dkim.at("strict").as_bool(), true);
        const auto& spf = v.details.at("alignment").at("spf");
        EXPECT_EQ(spf.at("relaxed").as_bool(), true);
        EXPECT_EQ(spf.at("strict").as_bool(), false);
        EXPECT_EQ(spf.at("aligned").as_bool(), true);
    }
}

TEST(DmarcVerdict, MissingRecordPassesWithAWarning) {
    auto c = check_for("example.com", {"v=spf1 include:_spf.herald.example ~all"});
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    EXPECT_EQ(v.details.at("present").as_bool(), false);
    ASSERT_EQ(v.warnings.size(), 1u);
    EXPECT_NE(v.warnings[0].find("v=DMARC1; p=none"), std::string::npos) << v.warnings[0];
    EXPECT_EQ(v.answers.size(), 1u);
}

TEST(DmarcVerdict, MalformedRecordFails) {
    const auto v = dmarc_verdict(check_for("example.com", {"v=DMARC1; p=block"}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("malformed"), std::string::npos) << v.reason;
    EXPECT_NE(v.reason.find("p=block"), std::string::npos) << v.reason;
    EXPECT_EQ(v.details.at("present").as_bool(), true);
}

TEST(DmarcVerdict, SeveralRecordsFail) {
    const auto v = dmarc_verdict(
        check_for("example.com", {"v=DMARC1; p=none", "v=spf1 -all", "v=DMARC1; p=reject"}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("2 DMARC records"), std::string::npos) << v.reason;
    EXPECT_EQ(v.answers.size(), 3u);
}

TEST(DmarcVerdict, SubdomainFallsBackToTheOrganizationalDomainAndItsSp) {
    auto c = check_for("mail.example.co.uk", {});
    c.at_organizational = at("_dmarc.example.co.uk", {"v=DMARC1; p=reject; sp=quarantine"});
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    EXPECT_EQ(str(v.details.at("source")), "_dmarc.example.co.uk");
    EXPECT_EQ(str(v.details.at("organizational_domain")), "example.co.uk");
    EXPECT_EQ(str(v.details.at("policy")), "reject");
    EXPECT_EQ(str(v.details.at("subdomain_policy")), "quarantine");
    EXPECT_EQ(str(v.details.at("applied_policy")), "quarantine");
    EXPECT_EQ(v.answers.size(), 2u);
    EXPECT_EQ(v.answers[1], "TXT _dmarc.example.co.uk: \"v=DMARC1; p=reject; sp=quarantine\"");

    c.at_organizational = at("_dmarc.example.co.uk", {"v=DMARC1; p=reject"});
    EXPECT_EQ(str(dmarc_verdict(c).details.at("applied_policy")), "reject") << "no sp=: p=";
}

TEST(DmarcVerdict, RecordAtTheFromDomainWinsOverTheOrganizationalOne) {
    auto c = check_for("mail.example.co.uk", {"v=DMARC1; p=none; sp=reject"});
    c.at_organizational = at("_dmarc.example.co.uk", {"v=DMARC1; p=reject"});
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(str(v.details.at("source")), "_dmarc.mail.example.co.uk");
    EXPECT_EQ(str(v.details.at("applied_policy")), "none") << "sp= is for subdomains";
}

TEST(DmarcVerdict, MissingAtBothNamesPassesWithAWarning) {
    auto c = check_for("mail.example.co.uk", {});
    c.at_organizational = at("_dmarc.example.co.uk", {});
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass);
    EXPECT_EQ(v.details.at("present").as_bool(), false);
    EXPECT_EQ(v.warnings.size(), 1u);
}

TEST(DmarcVerdict, StrictAlignmentWithASubdomainSignerFailsUnderReject) {
    auto c = check_for("example.com", {"v=DMARC1; p=reject; adkim=s; aspf=s"});
    c.dkim_domain = "mail.example.com";
    auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::fail) << v.reason;
    EXPECT_NE(v.reason.find("reject"), std::string::npos) << v.reason;
    const auto& dkim = v.details.at("alignment").at("dkim");
    EXPECT_EQ(dkim.at("relaxed").as_bool(), true);
    EXPECT_EQ(dkim.at("strict").as_bool(), false);
    EXPECT_EQ(dkim.at("aligned").as_bool(), false);

    c.at_from = at("_dmarc.example.com", {"v=DMARC1; p=reject"});  // relaxed
    v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    EXPECT_EQ(v.details.at("alignment").at("dkim").at("aligned").as_bool(), true);

    c.at_from = at("_dmarc.example.com", {"v=DMARC1; p=none; adkim=s; aspf=s"});
    v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass) << "p=none refuses nothing";
    EXPECT_EQ(v.warnings.size(), 1u);
}

TEST(DmarcVerdict, OnlyTheReturnPathAligningIsAWarning) {
    auto c = check_for("example.com", {"v=DMARC1; p=reject"});
    c.dkim_domain = "herald.example";
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    ASSERT_EQ(v.warnings.size(), 1u);
    EXPECT_NE(v.warnings[0].find("only the return path"), std::string::npos);
}

TEST(DmarcVerdict, UncheckedIdentifiersAreReportedAsSuch) {
    auto c = check_for("example.com", {"v=DMARC1; p=reject"});
    c.dkim_domain.clear();
    c.return_path_domain.clear();
    const auto v = dmarc_verdict(c);
    EXPECT_EQ(v.status, verdict_status::pass);
    EXPECT_EQ(v.details.at("alignment").at("dkim").at("checked").as_bool(), false);
}

TEST(DmarcVerdict, NoDnsAnswerIsTemperror) {
    auto c = check_for("example.com", {});
    c.at_from = timed_out("_dmarc.example.com");
    EXPECT_EQ(dmarc_verdict(c).status, verdict_status::temperror);

    auto sub = check_for("mail.example.com", {});
    sub.at_organizational = timed_out("_dmarc.example.com");
    auto v = dmarc_verdict(sub);
    EXPECT_EQ(v.status, verdict_status::temperror);
    EXPECT_NE(v.reason.find("_dmarc.example.com"), std::string::npos) << v.reason;

    sub.at_organizational.reset();
    v = dmarc_verdict(sub);
    EXPECT_EQ(v.status, verdict_status::temperror) << "the fallback was not asked";
    EXPECT_NE(v.reason.find("not looked up"), std::string::npos) << v.reason;
}

}  // namespace
}  // namespace herald::domains
