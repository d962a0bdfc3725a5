// The DKIM key record parser (RFC 6376 §3.6.1) and the verdict on the
// record a tenant published, against real RSA and Ed25519 keys.
#include "domains/dkim_record.hpp"

#include "dkim_test_key.hpp"

#include <gtest/gtest.h>

namespace herald::domains {
namespace {

const std::string& rsa_txt() {
    static const std::string txt = test::dkim_txt("RSA", 2048);
    return txt;
}

const std::string& other_rsa_txt() {
    static const std::string txt = test::dkim_txt("RSA", 2048);
    return txt;
}

const std::string& ed_txt() {
    static const std::string txt = test::dkim_txt("ED25519");
    return txt;
}

// The p= of a record herald makes.
std::string p_of(const std::string& txt) {
    return txt.substr(txt.find("p=") + 2);
}

dkim_check check_with(std::vector<std::string> records, const std::string& ours = rsa_txt()) {
    return {"example.com",
            "hd202611a",
            ours,
            {"hd202611a._domainkey.example.com", std::move(records), true, ""}};
}

// ---- parsing ------------------------------------------------------------------

TEST(DkimRecordParse, FullRecord) {
    auto r = parse_dkim_key_record("v=DKIM1; k=rsa; t=y:s; h=sha256; s=email; n=notes; p=QUJD");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->version, "DKIM1");
    EXPECT_EQ(r->key_type, "rsa");
    EXPECT_EQ(r->public_key, "QUJD");
    EXPECT_EQ(r->flags, (std::vector<std::string>{"y", "s"}));
    EXPECT_TRUE(r->testing());
    EXPECT_TRUE(r->strict());
    EXPECT_EQ(r->hash_algorithms, std::vector<std::string>{"sha256"});
    EXPECT_EQ(r->service_types, std::vector<std::string>{"email"});
    EXPECT_FALSE(r->revoked());
}

TEST(DkimRecordParse, DefaultsWhenTagsAreAbsent) {
    auto r = parse_dkim_key_record("p=QUJD");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->version, "");
    EXPECT_EQ(r->key_type, "rsa");
    EXPECT_TRUE(r->flags.empty());
    EXPECT_FALSE(r->testing());
    EXPECT_TRUE(r->hash_algorithms.empty());
    EXPECT_EQ(r->service_types, std::vector<std::string>{"*"});
}

TEST(DkimRecordParse, WhitespaceAndFoldingAroundTagsAndInsideP) {
    auto r = parse_dkim_key_record(" v = DKIM1 ;\r\n\tk=rsa;  p= QU JD\r\n\tRU ZH ;  ");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->public_key, "QUJDRUZH");
    EXPECT_EQ(parse_dkim_key_record("p=QUJD; t = y : s ")->flags,
              (std::vector<std::string>{"y", "s"}));
}

TEST(DkimRecordParse, UnknownTagsAndFlagsAreIgnored) {
    auto r = parse_dkim_key_record("v=DKIM1; x_new=1; p=QUJD; t=x:y");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_TRUE(r->testing());
    EXPECT_FALSE(r->strict());
}

TEST(DkimRecordParse, EmptyPIsRevoked) {
    auto r = parse_dkim_key_record("v=DKIM1; p=");
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_TRUE(r->revoked());
}

TEST(DkimRecordParse, MalformedTagLists) {
    const std::pair<const char*, const char*> cases[] = {
        {"v=DKIM1; k", "has no \"=\""},
        {"=abc; p=QUJD", "invalid name"},
        {"1k=rsa; p=QUJD", "invalid name"},
        {"k-x=rsa; p=QUJD", "invalid name"},
        {"v=DKIM1;; p=QUJD", "empty"},
        {"; p=QUJD", "empty"},
        {"p=QUJD; p=QUJD", "twice"},
        {"k=rsa; v=DKIM1; p=QUJD", "first"},
        {"v=DKIM2; p=QUJD", "not DKIM1"},
        {"v=dkim1; p=QUJD", "not DKIM1"},
        {"v=DKIM1; k=rsa", "missing"},
        {"", "missing"},
        {"v=DKIM1; k=; p=QUJD", "k= is empty"},
        {"p=QU$D", "not base64"},
        {"p=QU=D", "not base64"},
        {"p=QUJ===", "not base64"},
        {"p=QUJD\x01", "printable"},
        {"p=QUJD; n=caf\xc3\xa9", "printable"},
    };
    for (const auto& [text, why] : cases) {
        auto r = parse_dkim_key_record(text);
        ASSERT_FALSE(r.has_value()) << text;
        EXPECT_NE(r.error().find(why), std::string::npos) << text << " -> " << r.error();
    }
}

// ---- the verdict --------------------------------------------------------------

TEST(DkimVerdict, HeraldsRecordPasses) {
    const auto v = dkim_verdict(check_with({rsa_txt()}));
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    EXPECT_EQ(v.record, "dkim");
    EXPECT_TRUE(v.warnings.empty());
    ASSERT_EQ(v.answers.size(), 1u);
    EXPECT_EQ(v.answers[0], "TXT hd202611a._domainkey.example.com: \"" + rsa_txt() + "\"");
    EXPECT_EQ(v.details.at("selector").as_string(), "hd202611a");
    EXPECT_EQ(v.details.at("name").as_string(), "hd202611a._domainkey.example.com");
    EXPECT_EQ(v.details.at("key_type").as_string(), "rsa");
    EXPECT_EQ(v.details.at("testing").as_bool(), false);
}

TEST(DkimVerdict, Ed25519RecordPasses) {
    const auto v = dkim_verdict(check_with({ed_txt()}, ed_txt()));
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    EXPECT_EQ(v.details.at("key_type").as_string(), "ed25519");
}

TEST(DkimVerdict, WhitespaceInsidePAsTheStringsWereJoinedPasses) {
    // A tenant's DNS console may add spaces where it split the strings.
    const auto p = p_of(rsa_txt());
    std::string spaced = "v=DKIM1; k=rsa; p=";
    for (std::size_t i = 0; i < p.size(); i += 64)
        spaced += p.substr(i, 64) + " \t";
    const auto v = dkim_verdict(check_with({spaced}));
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
}

TEST(DkimVerdict, RecordWithoutVersionAndKeyTypePasses) {
    const auto v = dkim_verdict(check_with({"p=" + p_of(rsa_txt())}));
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
}

TEST(DkimVerdict, AnotherKeyFails) {
    const auto v = dkim_verdict(check_with({other_rsa_txt()}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("another public key"), std::string::npos) << v.reason;
}

TEST(DkimVerdict, RevokedKeyFails) {
    const auto v = dkim_verdict(check_with({"v=DKIM1; k=rsa; p="}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("revoked"), std::string::npos) << v.reason;
}

TEST(DkimVerdict, WrongKeyTypeFails) {
    // Our RSA key's p= under k=ed25519, and an Ed25519 record where RSA is ours.
    auto v = dkim_verdict(check_with({"v=DKIM1; k=ed25519; p=" + p_of(rsa_txt())}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("k=ed25519"), std::string::npos) << v.reason;
    v = dkim_verdict(check_with({ed_txt()}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("herald signs with k=rsa"), std::string::npos) << v.reason;
}

TEST(DkimVerdict, TestingFlagPassesWithAWarning) {
    const auto v = dkim_verdict(check_with({"v=DKIM1; k=rsa; t=y; p=" + p_of(rsa_txt())}));
    EXPECT_EQ(v.status, verdict_status::pass) << v.reason;
    ASSERT_EQ(v.warnings.size(), 1u);
    EXPECT_NE(v.warnings[0].find("t=y"), std::string::npos);
    EXPECT_EQ(v.details.at("testing").as_bool(), true);
    EXPECT_EQ(v.details.at("flags").as_array().size(), 1u);
}

TEST(DkimVerdict, SeveralRecordsFail) {
    const auto v = dkim_verdict(check_with({rsa_txt(), other_rsa_txt()}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("2 TXT records"), std::string::npos) << v.reason;
    EXPECT_EQ(v.answers.size(), 2u);
}

TEST(DkimVerdict, NoRecordFails) {
    const auto v = dkim_verdict(check_with({}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("no DKIM record"), std::string::npos) << v.reason;
    EXPECT_EQ(v.answers,
              std::vector<std::string>{"TXT hd202611a._domainkey.example.com: no record"});
}

TEST(DkimVerdict, MalformedRecordFailsWithTheParseReason) {
    const auto v = dkim_verdict(check_with({"v=DKIM1; p=" + p_of(rsa_txt()) + "; p=QUJD"}));
    EXPECT_EQ(v.status, verdict_status::fail);
    EXPECT_NE(v.reason.find("malformed"), std::string::npos) << v.reason;
    EXPECT_NE(v.reason.find("twice"), std::string::npos) << v.reason;
}

TEST(DkimVerdict, HashAndServiceRestrictions) {
    const auto p = p_of(rsa_txt());
    EXPECT_EQ(dkim_verdict(check_with({"h=sha1; p=" + p})).status, verdict_status::fail);
    EXPECT_EQ(dkim_verdict(check_with({"h=sha1:sha256; p=" + p})).status, verdict_status::pass);
    EXPECT_EQ(dkim_verdict(check_with({"s=email; p=" + p})).status, verdict_status::pass);
    EXPECT_EQ(dkim_verdict(check_with({"s=tlsrpt; p=" + p})).status, verdict_status::fail);
}

TEST(DkimVerdict, NoDnsAnswerIsTemperrorNeverFail) {
    auto c = check_with({});
    c.lookup.answered = false;
    c.lookup.failure = "SERVFAIL";
    const auto v = dkim_verdict(c);
    EXPECT_EQ(v.status, verdict_status::temperror);
    EXPECT_NE(v.reason.find("SERVFAIL"), std::string::npos) << v.reason;
    EXPECT_EQ(v.answers, std::vector<std::string>{
                             "TXT hd202611a._domainkey.example.com: no answer (SERVFAIL)"});
}

TEST(DkimVerdict, AnswersEscapeQuotes) {
    const auto v = dkim_verdict(check_with({"n=\"x\\y\"; p=QUJD"}));
    EXPECT_EQ(v.answers[0], R"(TXT hd202611a._domainkey.example.com: "n=\"x\\y\"; p=QUJD")");
}

}  // namespace
}  // namespace herald::domains
