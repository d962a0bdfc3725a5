// SPF macros (RFC 7208 §7): the RFC's own examples of §7.4 verbatim, every
// letter, transformers, delimiters, escapes, URL-escaping, and the syntax
// errors that make a record permerror.
#include "domains/spf/macro.hpp"

#include <gtest/gtest.h>

namespace herald::domains::spf {
namespace {

namespace asio = boost::asio;

macro_context rfc_context(const char* ip = "192.0.2.3") {
    macro_context c;
    c.sender = "strong-bad@email.example.com";
    c.domain = "email.example.com";
    c.ip = asio::ip::make_address(ip);
    c.helo = "mx.example.org";
    c.validated = "mx.example.org";
    c.receiver = "checker.example.net";
    c.now = 1700000000;
    return c;
}

std::string x(std::string_view text, const macro_context& c = rfc_context(),
              macro_use use = macro_use::domain_spec) {
    auto m = parse_macro_string(text, use);
    EXPECT_TRUE(m) << text << ": " << (m ? "" : m.error().to_string());
    return m ? expand(*m, c) : std::string("<error>");
}

bool refused(std::string_view text, macro_use use = macro_use::domain_spec) {
    return !parse_macro_string(text, use);
}

// RFC 7208 §7.4, first table.
TEST(spf_macro, rfc_7208_section_7_4_single_macros) {
    EXPECT_EQ(x("%{s}"), "strong-bad@email.example.com");
    EXPECT_EQ(x("%{o}"), "email.example.com");
    EXPECT_EQ(x("%{d}"), "email.example.com");
    EXPECT_EQ(x("%{d4}"), "email.example.com");
    EXPECT_EQ(x("%{d3}"), "email.example.com");
    EXPECT_EQ(x("%{d2}"), "example.com");
    EXPECT_EQ(x("%{d1}"), "com");
    EXPECT_EQ(x("%{dr}"), "com.example.email");
    EXPECT_EQ(x("%{d2r}"), "example.email");
    EXPECT_EQ(x("%{l}"), "strong-bad");
    EXPECT_EQ(x("%{l-}"), "strong.bad");
    EXPECT_EQ(x("%{lr}"), "strong-bad");
    EXPECT_EQ(x("%{lr-}"), "bad.strong");
    EXPECT_EQ(x("%{l1r-}"), "strong");
}

// RFC 7208 §7.4, second table, IPv4 and IPv6.
TEST(spf_macro, rfc_7208_section_7_4_macro_strings) {
    EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
    EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
    EXPECT_EQ(x("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"),
              "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
    EXPECT_EQ(x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"),
              "3.2.0.192.in-addr.strong.lp._spf.example.com");
    EXPECT_EQ(x("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
    EXPECT_EQ(
        x("%{ir}.%{v}._spf.%{d2}", rfc_context("2001:db8::cb01")),
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(spf_macro, every_letter) {
    auto c = rfc_context();
    EXPECT_EQ(x("%{i}"), "192.0.2.3");
    EXPECT_EQ(x("%{p}"), "mx.example.org");
    EXPECT_EQ(x("%{h}"), "mx.example.org");
    EXPECT_EQ(x("%{v}"), "in-addr");
    EXPECT_EQ(x("%{v}", rfc_context("2001:db8::1")), "ip6");
    EXPECT_EQ(x("%{c}", c, macro_use::explanation), "192.0.2.3");
    EXPECT_EQ(x("%{c}", rfc_context("2001:db8::cb01"), macro_use::explanation), "2001:db8::cb01");
    EXPECT_EQ(x("%{r}", c, macro_use::explanation), "checker.example.net");
    EXPECT_EQ(x("%{t}", c, macro_use::explanation), "1700000000");
    EXPECT_EQ(x("%{i}", rfc_context("2001:db8::cb01")),
              "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
    c.validated.clear();
    EXPECT_EQ(x("%{p}", c), "unknown");
}

TEST(spf_macro, letters_are_case_insensitive_and_uppercase_url_escapes) {
    EXPECT_EQ(x("%{S}"), "strong-bad%40email.example.com");
    EXPECT_EQ(x("%{D2}"), "example.com");
    auto c = rfc_context();
    c.sender = "a b/c@example.com";
    EXPECT_EQ(x("%{L}", c), "a%20b%2Fc");
    EXPECT_EQ(x("%{l}", c), "a b/c");
    EXPECT_EQ(x("%{DR}"), "com.example.email");
    EXPECT_EQ(x("%{d2R}"), "example.email");
}

TEST(spf_macro, delimiters_split_and_dots_join) {
    auto c = rfc_context();
    c.sender = "a.b-c+d,e/f_g=h@example.com";
    EXPECT_EQ(x("%{l.-+,/_=}", c), "a.b.c.d.e.f.g.h");
    EXPECT_EQ(x("%{lr+}", c), "d,e/f_g=h.a.b-c");
    EXPECT_EQ(x("%{l2r_=}", c), "g.a.b-c+d,e/f");
    EXPECT_EQ(x("%{l1,}", c), "e/f_g=h");
    EXPECT_EQ(x("%{l1/}", c), "f_g=h");
}

TEST(spf_macro, digits_above_the_part_count_keep_everything) {
    EXPECT_EQ(x("%{d9}"), "email.example.com");
    EXPECT_EQ(x("%{d200}"), "email.example.com");
    EXPECT_EQ(x("%{d99r}"), "com.example.email");
}

TEST(spf_macro, escapes) {
    EXPECT_EQ(x("a%%b"), "a%b");
    EXPECT_EQ(x("a%_b"), "a b");
    EXPECT_EQ(x("a%-b"), "a%20b");
    EXPECT_EQ(x("%%%{d1}"), "%com");
}

TEST(spf_macro, sender_without_local_part_is_postmaster) {
    EXPECT_EQ(local_part("example.com"), "postmaster");
    EXPECT_EQ(local_part("@example.com"), "postmaster");
    EXPECT_EQ(local_part("a@b@example.com"), "a@b");
    EXPECT_EQ(sender_domain("a@b@example.com"), "example.com");
}

TEST(spf_macro, syntax_errors) {
    EXPECT_TRUE(refused("%"));
    EXPECT_TRUE(refused("a%b"));
    EXPECT_TRUE(refused("%{"));
    EXPECT_TRUE(refused("%{d"));
    EXPECT_TRUE(refused("%{x}"));
    EXPECT_TRUE(refused("%{d0}"));
    EXPECT_TRUE(refused("%{d2q}"));
    EXPECT_TRUE(refused("%{dr2}"));
    EXPECT_TRUE(refused("a b"));
    EXPECT_TRUE(refused(std::string_view("a\x01", 2)));
    EXPECT_TRUE(refused("%{s }"));
}

TEST(spf_macro, c_r_t_only_in_explanations) {
    for (const char* m : {"%{c}", "%{r}", "%{t}", "%{C}"}) {
        EXPECT_TRUE(refused(m)) << m;
        EXPECT_FALSE(refused(m, macro_use::explanation)) << m;
    }
    EXPECT_EQ(x("%{i} is not one of %{d}'s designated mail servers.", rfc_context(),
                macro_use::explanation),
              "192.0.2.3 is not one of email.example.com's designated mail servers.");
}

TEST(spf_macro, domain_end_is_a_macro_or_a_toplabel) {
    auto ends = [](std::string_view s) {
        auto m = parse_macro_string(s, macro_use::domain_spec);
        return m && has_domain_end(*m);
    };
    EXPECT_TRUE(ends("example.com"));
    EXPECT_TRUE(ends("example.com."));
    EXPECT_TRUE(ends("_spf.%{d}"));
    EXPECT_TRUE(ends("%{ir}.x.%{d2}"));
    EXPECT_TRUE(ends("a.1-2"));
    EXPECT_FALSE(ends("example"));
    EXPECT_FALSE(ends("192.0.2.1"));
    EXPECT_FALSE(ends("example.-com"));
    EXPECT_FALSE(ends("example.com-"));
    EXPECT_FALSE(ends("example."));
}

TEST(spf_macro, long_expansions_lose_labels_on_the_left) {
    std::string name;
    for (int i = 0; i < 40; ++i)
        name += "label" + std::to_string(i) + ".";
    name += "example.com";
    auto fit = fit_domain(name);
    EXPECT_LE(fit.size(), 253u);
    EXPECT_TRUE(fit.ends_with(".label39.example.com"));
    EXPECT_TRUE(fit.starts_with("label"));
    EXPECT_EQ(fit_domain("example.com."), "example.com");
}

}  // namespace
}  // namespace herald::domains::spf
