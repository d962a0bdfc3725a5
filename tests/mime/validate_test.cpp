// One validator for every door: mime::validate refuses exactly what
// render() refuses, with the same code, and names the field at fault.
#include "mime/validate.hpp"
#include "mime/render.hpp"
#include "tests/mime/sample.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace herald::mime {
namespace {

using samples::basic;
using samples::k_clock;

std::string times(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

struct refusal {
    const char* what;
    std::function<void(email_message&)> edit;
    const char* code;
    const char* field;
};

const std::vector<refusal>& refusals() {
    static const std::vector<refusal> k{
        {"sender without a domain", [](auto& m) { m.from = "shop"; }, "invalid_address", "from"},
        {"not an address", [](auto& m) { m.to = {"not an address"}; }, "invalid_address", "to[0]"},
        {"two @",
         [](auto& m) {
             m.to = {"ok@example.org", "a@@b"};
         },
         "invalid_address", "to[1]"},
        {"no domain", [](auto& m) { m.to = {"you@"}; }, "invalid_address", "to[0]"},
        {"bad cc", [](auto& m) { m.cc = {"x"}; }, "invalid_address", "cc[0]"},
        {"bad bcc",
         [](auto& m) {
             m.bcc = {"a@b.example", "b@"};
         },
         "invalid_address", "bcc[1]"},
        {"bad reply-to", [](auto& m) { m.reply_to = "nope"; }, "invalid_address", "reply_to"},
        {"no recipient", [](auto& m) { m.to.clear(); }, "invalid_address", "to"},
        {"CR LF in the subject", [](auto& m) { m.subject = "hi\r\nBcc: x@example.net"; },
         "header_injection", "subject"},
        {"LF in a display name", [](auto& m) { m.to = {"Ann\n <ann@example.org>"}; },
         "header_injection", "to[0]"},
        {"CR in an address", [](auto& m) { m.from = "shop@exa\rmple.com"; }, "header_injection",
         "from"},
        {"non-ASCII header name",
         [](auto& m) {
             m.headers = {{"X-T\xc3\xa4g", "v"}};
         },
         "invalid_header", "headers.X-T\xc3\xa4g"},
        {"a header too long to fold",
         [](auto& m) {
             m.headers = {{"X-Long", std::string(2000, 'a')}};
         },
         "invalid_header", "headers.X-Long"},
        {"a subject word too long to fold", [](auto& m) { m.subject = std::string(990, 'a'); },
         "invalid_header", "subject"},
        {"LF in a header value",
         [](auto& m) {
             m.headers = {{"X-Tag", "a\nb"}};
         },
         "header_injection", "headers.X-Tag"},
        {"a field herald writes",
         [](auto& m) {
             m.headers = {{"Received", "forged"}};
         },
         "reserved_header", "headers.Received"},
        {"local part not UTF-8", [](auto& m) { m.cc = {"j\xfcrgen@dest.test"}; }, "invalid_address",
         "cc[0]"},
        {"UTF-8 local part over 64 octets",
         [](auto& m) {
             m.bcc = {"ok@example.org", times("\xe2\x82\xac", 21) + "ab@dest.test"};  // 65
         },
         "invalid_address", "bcc[1]"},
        {"CR in a UTF-8 address", [](auto& m) { m.reply_to = "j\xc3\xbc\rrgen@dest.test"; },
         "header_injection", "reply_to"},
        {"attachment not base64",
         [](auto& m) {
             m.attachments = {{"a.pdf", "application/pdf", "QUJD", ""},
                              {"b.pdf", "application/pdf", "not*base64", ""}};
         },
         "invalid_attachment", "attachments[1]"},
        {"repeated Content-ID",
         [](auto& m) {
             m.html = "<img src=cid:x>";
             m.attachments = {{"a.png", "image/png", "QUJD", "x@h"},
                              {"b.png", "image/png", "QUJD", "x@h"}};
         },
         "invalid_attachment", "attachments[1]"},
    };
    return k;
}

TEST(validate, refuses_what_render_refuses_with_the_same_code_and_names_the_field) {
    render_options o;
    o.message_id = "1795679092742-0-e3";
    for (const auto& r : refusals()) {
        auto m = basic();
        r.edit(m);
        auto v = validate(m);
        ASSERT_FALSE(v) << r.what << ": validated";
        EXPECT_EQ(v.error().name(), r.code) << r.what << ": " << v.error().to_string();
        EXPECT_EQ(v.error().field, r.field) << r.what << ": " << v.error().to_string();
        auto rendered = render(m, o, k_clock);
        ASSERT_FALSE(rendered) << r.what << ": rendered";
        EXPECT_EQ(rendered.error().name(), r.code) << r.what;
        EXPECT_EQ(rendered.error().field, r.field) << r.what;
    }
}

TEST(validate, accepts_what_render_can_write) {
    std::vector<email_message> good;
    good.push_back(basic());
    auto idn = basic();
    idn.from =
        "B\xc3\xbc"
        "cher <info@b\xc3\xbc"
        "cher.example>";
    idn.to = {"user@\xc3\xa9xample.m\xc3\xbcnchen.test"};
    idn.subject =
        "Gr\xc3\xbc\xc3\x9f"
        "e " +
        std::string(300, 'x');
    good.push_back(idn);
    auto many = basic();
    for (int i = 0; i < 100; ++i)
        many.headers.emplace_back("X-H" + std::to_string(i), "value " + std::to_string(i));
    many.attachments = {{"r\xc3\xa9sum\xc3\xa9.pdf", "application/pdf", "QUJD", ""}};
    good.push_back(many);
    auto utf8 = basic();  // RFC 6531: needs SMTPUTF8, which render() reports
    utf8.from = "Z\xc3\xab <z\xc3\xab@example.com>";
    utf8.to = {"j\xc3\xbcrgen@dest.test", "\"\xce\xb4 x\"@example.gr"};
    utf8.bcc = {times("\xe2\x82\xac", 21) + "a@dest.test"};  // 64 octets
    good.push_back(utf8);
    render_options o;
    o.message_id = "m1";
    for (const auto& m : good) {
        auto v = validate(m);
        EXPECT_TRUE(v) << v.error().to_string();
        EXPECT_TRUE(render(m, o, k_clock));
    }
}

TEST(validate, an_sms_is_left_to_parse_message) {
    message m;
    m.content = sms_message{"Shop", "+14155550100", "hi"};
    EXPECT_TRUE(validate(m));
    m.content = basic();
    std::get<email_message>(m.content).to = {"x"};
    EXPECT_FALSE(validate(m));
}

}  // namespace
}  // namespace herald::mime
