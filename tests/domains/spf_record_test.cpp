// Parsing SPF records (RFC 7208 §4.5, §4.6, §5, §6): every mechanism with
// its qualifiers and CIDR lengths, modifiers, and the syntax errors that
// make check_host() answer permerror.
#include "domains/spf/record.hpp"

#include <gtest/gtest.h>

namespace herald::domains::spf {
namespace {

namespace asio = boost::asio;

record parsed(std::string_view text) {
    auto r = parse_record(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().to_string());
    return r ? *r : record{};
}

bool refused(std::string_view text) {
    return !parse_record(text);
}

TEST(spf_record, selects_only_v_spf1) {
    EXPECT_TRUE(is_spf_record("v=spf1"));
    EXPECT_TRUE(is_spf_record("v=spf1 -all"));
    EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
    EXPECT_FALSE(is_spf_record("v=spf10 -all"));
    EXPECT_FALSE(is_spf_record("v=spf1-all"));
    EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
    EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
}

TEST(spf_record, every_mechanism_and_qualifier) {
    auto r = parsed(
        "v=spf1 all +include:_spf.example.com -a ~mx ?ptr ip4:192.0.2.0/24 "
        "ip6:2001:db8::/32 exists:%{i}.x.example.com");
    ASSERT_EQ(r.mechanisms.size(), 8u);
    const mechanism_kind kinds[] = {
        mechanism_kind::all, mechanism_kind::include, mechanism_kind::a,   mechanism_kind::mx,
        mechanism_kind::ptr, mechanism_kind::ip4,     mechanism_kind::ip6, mechanism_kind::exists};
    for (std::size_t i = 0; i < 8; ++i)
        EXPECT_EQ(r.mechanisms[i].kind, kinds[i]) << i;
    EXPECT_EQ(r.mechanisms[0].q, qualifier::pass);
    EXPECT_EQ(r.mechanisms[1].q, qualifier::pass);
    EXPECT_EQ(r.mechanisms[2].q, qualifier::fail);
    EXPECT_EQ(r.mechanisms[3].q, qualifier::softfail);
    EXPECT_EQ(r.mechanisms[4].q, qualifier::neutral);
    EXPECT_EQ(r.mechanisms[1].domain->text, "_spf.example.com");
    EXPECT_FALSE(r.mechanisms[2].domain);
    EXPECT_EQ(r.mechanisms[5].network, asio::ip::make_address("192.0.2.0"));
    EXPECT_EQ(r.mechanisms[5].cidr4, 24);
    EXPECT_EQ(r.mechanisms[6].network, asio::ip::make_address("2001:db8::"));
    EXPECT_EQ(r.mechanisms[6].cidr6, 32);
    EXPECT_TRUE(r.mechanisms[7].domain->uses('i'));
    EXPECT_EQ(r.mechanisms[7].text, "exists:%{i}.x.example.com");
}

TEST(spf_record, names_are_case_insensitive) {
    auto r = parsed("v=spf1 IP4:192.0.2.1 Include:example.com MX -ALL Redirect=example.net");
    ASSERT_EQ(r.mechanisms.size(), 4u);
    EXPECT_EQ(r.mechanisms[3].kind, mechanism_kind::all);
    ASSERT_TRUE(r.redirect);
    EXPECT_EQ(r.redirect->name, "redirect");
}

TEST(spf_record, dual_cidr_lengths) {
    auto r = parsed("v=spf1 a/24 a//64 a/24//64 mx:example.com/28//48 a:example.com ip4:192.0.2.1");
    ASSERT_EQ(r.mechanisms.size(), 6u);
    EXPECT_EQ(r.mechanisms[0].cidr4, 24);
    EXPECT_EQ(r.mechanisms[0].cidr6, 128);
    EXPECT_EQ(r.mechanisms[1].cidr4, 32);
    EXPECT_EQ(r.mechanisms[1].cidr6, 64);
    EXPECT_EQ(r.mechanisms[2].cidr4, 24);
    EXPECT_EQ(r.mechanisms[2].cidr6, 64);
    EXPECT_EQ(r.mechanisms[3].domain->text, "example.com");
    EXPECT_EQ(r.mechanisms[3].cidr4, 28);
    EXPECT_EQ(r.mechanisms[3].cidr6, 48);
    EXPECT_EQ(r.mechanisms[4].cidr4, 32);
    EXPECT_EQ(r.mechanisms[5].cidr4, 32);
    EXPECT_TRUE(parse_record("v=spf1 a/0 a//0 ip4:0.0.0.0/0 ip6:::/0"));
}

TEST(spf_record, modifiers) {
    auto r = parsed("v=spf1 -all exp=explain._spf.%{d} redirect=_spf.example.com x-foo=%{i}.bar");
    ASSERT_TRUE(r.redirect);
    ASSERT_TRUE(r.exp);
    EXPECT_EQ(r.redirect->value.text, "_spf.example.com");
    EXPECT_EQ(r.exp->value.text, "explain._spf.%{d}");
    ASSERT_EQ(r.unknown.size(), 1u);
    EXPECT_EQ(r.unknown[0].name, "x-foo");
    EXPECT_TRUE(parse_record("v=spf1 moo.cow-far_out=man:dog/cat ip4:192.0.2.1 -all"));
}

TEST(spf_record, spaces_between_terms) {
    auto r = parsed("v=spf1   ip4:192.0.2.1    -all   ");
    EXPECT_EQ(r.mechanisms.size(), 2u);
    EXPECT_TRUE(parsed("v=spf1").mechanisms.empty());
}

TEST(spf_record, duplicate_modifiers_are_errors) {
    EXPECT_TRUE(refused("v=spf1 redirect=a.example.com redirect=b.example.com"));
    EXPECT_TRUE(refused("v=spf1 -all exp=a.example.com exp=b.example.com"));
    EXPECT_TRUE(refused("v=spf1 -all EXP=a.example.com exp=a.example.com"));
    EXPECT_FALSE(refused("v=spf1 -all x=1 x=2"));  // unknown modifiers may repeat
}

TEST(spf_record, syntax_errors) {
    for (const char* bad : {
             "v=spf1 foo",                    // unknown mechanism
             "v=spf1 all:example.com",        // all takes nothing
             "v=spf1 all/24",                 //
             "v=spf1 include",                // include needs a domain
             "v=spf1 include:",               //
             "v=spf1 exists",                 //
             "v=spf1 ip4",                    //
             "v=spf1 ip4:192.0.2.1/33",       // length out of range
             "v=spf1 ip4:192.0.2.1/024",      // leading zero
             "v=spf1 ip4:192.0.2",            // not a network
             "v=spf1 ip4:192.0.2.01",         // leading zero in a quad
             "v=spf1 ip4:2001:db8::1",        // wrong family
             "v=spf1 ip6:192.0.2.1",          //
             "v=spf1 ip6:2001:db8::/129",     //
             "v=spf1 a/33",                   //
             "v=spf1 a//129",                 //
             "v=spf1 a:example.com/",         //
             "v=spf1 mx:example",             // no top-level label
             "v=spf1 include:192.0.2.1",      // all-numeric top label
             "v=spf1 a:%{x}.example.com",     // bad macro letter
             "v=spf1 a:%{c}.example.com",     // c only in explanations
             "v=spf1 include:example.com%",   // lone %
             "v=spf1 +redirect=example.com",  // modifiers take no qualifier
             "v=spf1 redirect=",              //
             "v=spf1 redirect=example",       //
             "v=spf1 x-foo=%{",               // an unknown modifier is still checked
             "v=spf1 -all\t",                 // only spaces separate terms
             "v=spf1 ++all",                  //
             "v=spf1 a:exa mple.com",         // a space splits it into "mple.com"
         })
        EXPECT_TRUE(refused(bad)) << bad;
}

TEST(spf_record, lookup_terms) {
    auto r = parsed(
        "v=spf1 include:a.example.com a mx ptr exists:%{i}.example.com ip4:192.0.2.1 "
        "ip6:2001:db8::1 all");
    std::vector<bool> counts;
    for (const auto& m : r.mechanisms)
        counts.push_back(m.counts_lookup());
    EXPECT_EQ(counts, (std::vector<bool>{true, true, true, true, true, false, false, false}));
}

}  // namespace
}  // namespace herald::domains::spf
