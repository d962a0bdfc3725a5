// The records a tenant publishes: names, values, 255-byte TXT strings,
// CNAME mode, SPF from an include or from the sending addresses, the
// settings and names that are refused, and the zone lines read back by
// python3-dnslib (zone_check.py).
#include "domains/publish.hpp"

#include "dkim_test_key.hpp"
#include "tests/support/python_runner.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace herald::domains {
namespace {

domains_config include_cfg() {
    domains_config c;
    c.spf_include = "_spf.herald.example";
    return c;
}

publish_request request(std::string dkim_txt = "v=DKIM1; k=rsa; p=QUJD") {
    return {"example.com", "tok-123_ABC", {{"hd202611a", std::move(dkim_txt)}}};
}

std::vector<dns_record> must(result<std::vector<dns_record>> r) {
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : std::vector<dns_record>{};
}

std::string joined(const std::vector<std::string>& strings) {
    std::string out;
    for (const auto& s : strings)
        out += s;
    return out;
}

TEST(Publish, RecordsInOrderWithTheirNamesValuesAndRequirements) {
    const auto rs = must(records_to_publish(request(), include_cfg()));
    ASSERT_EQ(rs.size(), 4u);
    EXPECT_EQ(to_string(rs[0].purpose), "ownership");
    EXPECT_EQ(rs[0].type, "TXT");
    EXPECT_EQ(rs[0].name, "_herald.example.com");
    EXPECT_EQ(rs[0].value, "herald-verify=tok-123_ABC");
    EXPECT_TRUE(rs[0].required);
    EXPECT_EQ(to_string(rs[1].purpose), "spf");
    EXPECT_EQ(rs[1].name, "example.com");
    EXPECT_EQ(rs[1].value, "v=spf1 include:_spf.herald.example ~all");
    EXPECT_TRUE(rs[1].required);
    EXPECT_EQ(to_string(rs[2].purpose), "dkim");
    EXPECT_EQ(rs[2].name, "hd202611a._domainkey.example.com");
    EXPECT_EQ(rs[2].value, "v=DKIM1; k=rsa; p=QUJD");
    EXPECT_TRUE(rs[2].required);
    EXPECT_EQ(to_string(rs[3].purpose), "dmarc");
    EXPECT_EQ(rs[3].name, "_dmarc.example.com");
    EXPECT_EQ(rs[3].value, "v=DMARC1; p=none");
    EXPECT_FALSE(rs[3].required) << "DMARC is recommended, not required";
    for (const auto& r : rs)
        EXPECT_EQ(r.strings, std::vector<std::string>{r.value}) << r.name;
}

TEST(Publish, Rsa2048KeySplitsAtExactly255BytesAndRejoinsEqual) {
    const auto txt = test::dkim_txt("RSA", 2048);
    ASSERT_GT(txt.size(), 255u);
    ASSERT_LE(txt.size(), 510u);
    const auto rs = must(records_to_publish(request(txt), include_cfg()));
    const auto& dkim = rs.at(2);
    EXPECT_EQ(dkim.value, txt);
    ASSERT_EQ(dkim.strings.size(), 2u);
    EXPECT_EQ(dkim.strings[0].size(), 255u);
    EXPECT_EQ(dkim.strings[1].size(), txt.size() - 255);
    EXPECT_EQ(joined(dkim.strings), txt);
    EXPECT_EQ(zone_line(dkim), "hd202611a._domainkey.example.com. 3600 IN TXT \"" +
                                   dkim.strings[0] + "\" \"" + dkim.strings[1] + "\"");
}

TEST(Publish, Ed25519KeyIsOneString) {
    const auto txt = test::dkim_txt("ED25519");
    const auto rs = must(records_to_publish(request(txt), include_cfg()));
    EXPECT_EQ(rs.at(2).strings, std::vector<std::string>{txt});
    EXPECT_TRUE(txt.starts_with("v=DKIM1; k=ed25519; p=")) << txt;
}

TEST(Publish, SeveralSelectorsGiveOneDkimRecordEach) {
    auto req = request();
    req.dkim.push_back({"hd202611b", "v=DKIM1; k=ed25519; p=REVG"});
    const auto rs = must(records_to_publish(req, include_cfg()));
    ASSERT_EQ(rs.size(), 5u);
    EXPECT_EQ(rs[2].name, "hd202611a._domainkey.example.com");
    EXPECT_EQ(rs[3].name, "hd202611b._domainkey.example.com");
    EXPECT_EQ(rs[3].value, "v=DKIM1; k=ed25519; p=REVG");
}

TEST(Publish, SplitTxtBoundaries) {
    EXPECT_EQ(split_txt(""), std::vector<std::string>{""});
    for (std::size_t n : {1u, 254u, 255u, 256u, 510u, 511u, 1000u}) {
        const std::string text(n, 'x');
        const auto parts = split_txt(text);
        EXPECT_EQ(parts.size(), (n + 254) / 255) << n;
        EXPECT_EQ(joined(parts), text) << n;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i)
            EXPECT_EQ(parts[i].size(), 255u) << n;
    }
}

TEST(Publish, CnameModePointsIntoHeraldsZone) {
    auto cfg = include_cfg();
    cfg.dkim_cname_zone = "dkim.herald.example";
    const auto rs = must(records_to_publish(request(), cfg));
    const auto& dkim = rs.at(2);
    EXPECT_EQ(dkim.type, "CNAME");
    EXPECT_EQ(dkim.name, "hd202611a._domainkey.example.com");
    EXPECT_EQ(dkim.value, "hd202611a.example.com.dkim.herald.example");
    EXPECT_TRUE(dkim.strings.empty());
    EXPECT_EQ(zone_line(dkim),
              "hd202611a._domainkey.example.com. 3600 IN CNAME "
              "hd202611a.example.com.dkim.herald.example.");
}

TEST(Publish, SpfFromIpv4AndIpv6SendingAddresses) {
    domains_config cfg;
    cfg.sending_ips = "192.0.2.10, 2001:DB8::25,198.51.100.7";
    const auto rs = must(records_to_publish(request(), cfg));
    EXPECT_EQ(rs.at(1).value, "v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 ip4:198.51.100.7 ~all");
}

TEST(Publish, SpfIncludeWinsOverSendingAddresses) {
    auto cfg = include_cfg();
    cfg.sending_ips = "192.0.2.10";
    EXPECT_EQ(must(records_to_publish(request(), cfg)).at(1).value,
              "v=spf1 include:_spf.herald.example ~all");
}

TEST(Publish, ManySendingAddressesSplitTheSpfRecord) {
    domains_config cfg;
    for (int i = 1; i <= 30; ++i)
        cfg.sending_ips += (i > 1 ? "," : "") + std::string("198.51.100.") + std::to_string(i);
    const auto spf = must(records_to_publish(request(), cfg)).at(1);
    EXPECT_GT(spf.strings.size(), 1u);
    EXPECT_EQ(joined(spf.strings), spf.value);
    EXPECT_TRUE(spf.value.ends_with("ip4:198.51.100.30 ~all"));
}

TEST(Publish, BadSendingAddressesAreRefusedWithTheSetting) {
    for (const char* ips :
         {"192.0.2.300", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "::ffff:192.0.2.1", "fe80::1%1",
          "192.0.2.1,,192.0.2.2", "192.0.2.1,", "192.0.2.1, 192.0.2.1", "192.0.2.0/24",
          "mail.example.com", "192.0.2.1 192.0.2.2"}) {
        domains_config cfg;
        cfg.sending_ips = ips;
        const auto r = records_to_publish(request(), cfg);
        ASSERT_FALSE(r.has_value()) << ips;
        EXPECT_EQ(r.error().name(), "invalid_argument") << ips;
        EXPECT_EQ(r.error().field, "domains.sending_ips") << ips;
        EXPECT_EQ(parse_sending_ips(ips).has_value(), false) << ips;
    }
}

TEST(Publish, NoSpfSourceIsASettingError) {
    const auto r = records_to_publish(request(), domains_config{});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().name(), "invalid_argument");
    EXPECT_EQ(r.error().field, "domains.sending_ips");
    EXPECT_TRUE(parse_sending_ips("").has_value());
    EXPECT_TRUE(parse_sending_ips(" ")->empty());
}

TEST(Publish, BadSpfIncludeIsRefused) {
    for (const char* inc : {"", "a..b", "%{d}.spf.example", "bad name.example"}) {
        auto cfg = include_cfg();
        cfg.spf_include = inc;
        if (std::string_view(inc).empty()) cfg.sending_ips = "192.0.2.1";
        const auto r = records_to_publish(request(), cfg);
        EXPECT_EQ(r.has_value(), std::string_view(inc).empty()) << inc;
        if (!r) {
            EXPECT_EQ(r.error().field, "domains.spf_include") << inc;
        }
    }
}

TEST(Publish, DmarcCarriesTheConfiguredRua) {
    auto cfg = include_cfg();
    cfg.dmarc_rua = "mailto:dmarc@reports.herald.example";
    EXPECT_EQ(must(records_to_publish(request(), cfg)).at(3).value,
              "v=DMARC1; p=none; rua=mailto:dmarc@reports.herald.example");
    for (const char* bad : {"dmarc@reports.example", "mailto:", "mailto:a@b.example; p=reject",
                            "mailto:a@b.example,mailto:c@d.example", "mailto:no-at"}) {
        cfg.dmarc_rua = bad;
        const auto r = records_to_publish(request(), cfg);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().field, "domains.dmarc_rua") << bad;
    }
}

TEST(Publish, ReturnPathCnameOnlyWhenConfigured) {
    auto cfg = include_cfg();
    EXPECT_EQ(must(records_to_publish(request(), cfg)).size(), 4u);
    cfg.return_path_host = "bounces.herald.example.";
    const auto rs = must(records_to_publish(request(), cfg));
    ASSERT_EQ(rs.size(), 5u);
    EXPECT_EQ(to_string(rs[4].purpose), "return_path");
    EXPECT_EQ(rs[4].type, "CNAME");
    EXPECT_EQ(rs[4].name, "hdbounce.example.com");
    EXPECT_EQ(rs[4].name, return_path_domain("example.com"));
    EXPECT_EQ(rs[4].value, "bounces.herald.example");
    EXPECT_FALSE(rs[4].required);
    EXPECT_EQ(zone_line(rs[4]), "hdbounce.example.com. 3600 IN CNAME bounces.herald.example.");
}

TEST(Publish, BadDomainsAndSelectorsAreInvalidDomain) {
    for (const char* d : {"", "Example.com", "example", "exa_mple.com", "-a.example.com",
                          "a-.example.com", "ex..com",
                          "b\xc3\xbc"
                          "cher.example",
                          "a b.example"}) {
        auto req = request();
        req.domain = d;
        const auto r = records_to_publish(req, include_cfg());
        ASSERT_FALSE(r.has_value()) << d;
        EXPECT_EQ(r.error().name(), "invalid_domain") << d;
    }
    std::string long_domain;
    for (int i = 0; i < 4; ++i)
        long_domain += std::string(60, 'a') + ".";
    long_domain += "com";  // 247 octets: the domain fits, its _herald name does not
    auto req = request();
    req.domain = long_domain;
    EXPECT_EQ(records_to_publish(req, include_cfg()).error().name(), "invalid_domain");
    for (const char* sel : {"", "Hd1", "hd_1", "-hd", "hd..1"}) {
        auto bad_sel = request();
        bad_sel.dkim[0].selector = sel;
        const auto r = records_to_publish(bad_sel, include_cfg());
        ASSERT_FALSE(r.has_value()) << sel;
        EXPECT_EQ(r.error().name(), "invalid_domain") << sel;
    }
    EXPECT_TRUE(records_to_publish(request(), include_cfg()).has_value());
    auto final_dot = request();
    final_dot.domain = "example.com.";
    EXPECT_EQ(must(records_to_publish(final_dot, include_cfg())).at(1).name, "example.com");
}

TEST(Publish, BadOwnershipTokenIsRefused) {
    for (std::string tok : {std::string(), std::string("a b"), std::string("a\"b"),
                            std::string("a;b"), std::string(201, 'x')}) {
        auto req = request();
        req.ownership_token = tok;
        const auto r = records_to_publish(req, include_cfg());
        ASSERT_FALSE(r.has_value()) << tok;
        EXPECT_EQ(r.error().field, "ownership_token");
    }
}

TEST(Publish, JsonAndZoneLineRenderings) {
    const auto rs = must(records_to_publish(request(), include_cfg()));
    EXPECT_EQ(boost::json::serialize(to_json(rs[0])),
              R"({"purpose":"ownership","type":"TXT","name":"_herald.example.com",)"
              R"("value":"herald-verify=tok-123_ABC","strings":["herald-verify=tok-123_ABC"],)"
              R"("required":true})");
    EXPECT_EQ(zone_line(rs[1]),
              "example.com. 3600 IN TXT \"v=spf1 include:_spf.herald.example ~all\"");
    dns_record quoted{record_purpose::spf, "TXT", "q.example", "a\"b\\c", {"a\"b\\c"}, true};
    EXPECT_EQ(zone_line(quoted), R"(q.example. 3600 IN TXT "a\"b\\c")");
}

// python3-dnslib reads the zone lines back, through the wire format: the
// strings and targets it sees are the records' own.
TEST(Publish, ZoneLinesReadBackByAnIndependentParser) {
    auto cfg = include_cfg();
    cfg.dmarc_rua = "mailto:dmarc@reports.herald.example";
    cfg.return_path_host = "bounces.herald.example";
    auto req = request(test::dkim_txt("RSA", 2048));
    req.dkim.push_back({"hd202611b", test::dkim_txt("RSA", 4096)});
    auto rs = must(records_to_publish(req, cfg));
    rs.push_back({record_purpose::spf, "TXT", "q.example", "a\"b\\c", {"a\"b\\c"}, true});
    std::string zone;
    for (const auto& r : rs)
        zone += zone_line(r) + "\n";
    herald::test::temp_file file(zone, "records.zone");
    const auto out = herald::test::run_python("domains/zone_check.py", {file.path().string()});
    ASSERT_EQ(out.exit_code, 0) << zone;
    std::size_t i = 0, start = 0;
    for (auto end = out.out.find('\n'); end != std::string::npos;
         start = end + 1, end = out.out.find('\n', start), ++i) {
        ASSERT_LT(i, rs.size()) << out.out;
        const auto got = boost::json::parse(out.out.substr(start, end - start)).as_object();
        const auto& r = rs[i];
        EXPECT_EQ(got.at("name").as_string(), r.name + ".");
        EXPECT_EQ(got.at("ttl").as_int64(), zone_ttl_s);
        EXPECT_EQ(got.at("type").as_string(), r.type);
        if (r.type == "CNAME") {
            EXPECT_EQ(got.at("target").as_string(), r.value + ".");
            continue;
        }
        std::vector<std::string> strings;
        for (const auto& s : got.at("strings").as_array())
            strings.emplace_back(s.as_string());
        EXPECT_EQ(strings, r.strings) << r.name;
        EXPECT_EQ(joined(strings), r.value) << r.name;
    }
    EXPECT_EQ(i, rs.size());
    EXPECT_EQ(rs[3].strings.size(), 3u) << "a 4096-bit key takes three strings";
}

}  // namespace
}  // namespace herald::domains
