// What counts as the same message, and what does not.
#include "dedupe/content_hash.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

message email(const std::string& json) {
    auto m = parse_message(channel::email, json);
    if (!m) throw std::runtime_error(m.error().to_string());
    return *m;
}

const std::string base =
    R"({"from":"Shop <shop@example.com>","to":["a@example.com","b@example.com"],
        "subject":"Your order","text":"line1\nline2","html":"<p>hi</p>",
        "attachments":[{"filename":"a.pdf","content_type":"application/pdf","content":"QUJD"}]})";

std::string h(const std::string& json, const std::string& tenant = "acme") {
    return dedupe::content_hash(tenant, email(json));
}

TEST(content_hash, is_128_bits_of_hex_and_stable) {
    const auto a = h(base);
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(a, h(base));
}

TEST(content_hash, ignores_what_varies_per_send) {
    const auto a = h(base);
    // Recipient order, domain case, display names, duplicates in the list.
    EXPECT_EQ(a, h(R"({"from":"shop@EXAMPLE.com","to":["b@Example.com","Joe <a@example.com>"],
        "cc":["a@example.com"],"subject":"Your order","text":"line1\r\nline2","html":"<p>hi</p>",
        "attachments":[{"filename":"a.pdf","content_type":"application/pdf","content":"QU\nJD"}]})"))
        << "order, case of domains, display names, CRLF and base64 line breaks";
    // Custom headers, tags and metadata carry per-send values.
    EXPECT_EQ(a, h(R"({"from":"Shop <shop@example.com>","to":["a@example.com","b@example.com"],
        "subject":"Your order","text":"line1\nline2","html":"<p>hi</p>",
        "headers":{"Date":"Mon, 1 Jan 2026 00:00:00 +0000","Message-ID":"<x@y>","X-Req":"9"},
        "tags":["t"],"metadata":{"request":"77"},
        "attachments":[{"filename":"a.pdf","content_type":"application/pdf","content":"QUJD"}]})"));
}

TEST(content_hash, tells_different_messages_apart) {
    const auto a = h(base);
    auto changed = [&](const std::string& from, const std::string& to) {
        std::string j = base;
        auto pos = j.find(from);
        EXPECT_NE(pos, std::string::npos) << from;
        j.replace(pos, from.size(), to);
        return h(j);
    };
    EXPECT_NE(a, changed("Your order", "Your order!"));
    EXPECT_NE(a, changed("line1", "line0"));
    EXPECT_NE(a, changed("<p>hi</p>", "<p>ho</p>"));
    EXPECT_NE(a, changed("b@example.com", "c@example.com"));
    EXPECT_NE(a, changed("a@example.com", "A@example.com")) << "local parts are case-sensitive";
    EXPECT_NE(a, changed("shop@example.com", "shop2@example.com"));
    EXPECT_NE(a, changed("QUJD", "QUJE"));
    EXPECT_NE(a, changed("a.pdf", "b.pdf"));
    EXPECT_NE(a, h(base, "globex")) << "the tenant is part of the hash";
    // Field boundaries are framed: moving text between fields changes it.
    EXPECT_NE(h(R"({"from":"a@b.c","to":"x@y.z","subject":"ab","text":"c"})"),
              h(R"({"from":"a@b.c","to":"x@y.z","subject":"a","text":"bc"})"));
}

TEST(content_hash, sms_uses_sender_recipient_and_body) {
    auto sms = [](const std::string& json) {
        auto m = parse_message(channel::sms, json);
        return dedupe::content_hash("acme", *m);
    };
    const auto a = sms(R"({"from":"ACME","to":"+15551234567","body":"code 1234"})");
    EXPECT_EQ(
        a, sms(R"({"from":"ACME","to":"+15551234567","body":"code 1234","metadata":{"k":"v"}})"));
    EXPECT_NE(a, sms(R"({"from":"ACME","to":"+15551234567","body":"code 1235"})"));
    EXPECT_NE(a, sms(R"({"from":"ACME","to":"+15551234568","body":"code 1234"})"));
    EXPECT_NE(a, h(R"({"from":"ACME","to":"+15551234567","text":"code 1234"})"))
        << "channels never collide";
}

TEST(normalize_address, keeps_local_part_and_lowers_domain) {
    EXPECT_EQ(dedupe::normalize_address("Ann <Ann@Example.COM>"), "Ann@example.com");
    EXPECT_EQ(dedupe::normalize_address("  bob@X.org "), "bob@x.org");
    EXPECT_EQ(dedupe::normalize_address("\"a@b\"@C.d"), "\"a@b\"@c.d");
    EXPECT_EQ(dedupe::normalize_address("nobody"), "nobody");
}

}  // namespace
}  // namespace herald
