// Rendering checked by an independent parser: every rendered message is
// parsed back by Python's email package (tests/smtp/mime_summary.py) and
// the structure, headers and decoded bodies are compared with the model.
// Every message is also checked for its wire form: CRLF only, 7-bit only,
// no line over 998 characters, header lines within 78 where foldable; an
// RFC 6532 message (UTF-8 local parts) has UTF-8 in its header fields only.
#include "mime/render.hpp"
#include "mime/address.hpp"
#include "mime/encode.hpp"
#include "smtp/errors.hpp"
#include "tests/mime/sample.hpp"
#include "tests/support/python_runner.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>

namespace herald::mime {
namespace {

namespace json = boost::json;

using samples::basic;
using samples::k_clock;

render_options opts() {
    render_options o;
    o.message_id = "1795679092742-0-e3";
    return o;
}

// Bytes 0..255 three times (768), as base64: 1024 characters in one line.
std::string binary_b64() {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (int i = 0; i < 768; i += 3) {
        const int n = ((i % 256) << 16) | (((i + 1) % 256) << 8) | ((i + 2) % 256);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += k[(n >> shift) & 63];
    }
    return out;
}

// ---- wire form and the independent parser ---------------------------------

void check_wire_form(const std::string& data) {
    ASSERT_TRUE(data.ends_with("\r\n"));
    std::size_t line_start = 0;
    bool in_headers = true;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        ASSERT_LT(c, 0x80) << "8-bit byte at " << i;
        if (c == '\r') {
            ASSERT_EQ(data[i + 1], '\n') << "bare CR at " << i;
        }
        if (c != '\n') continue;
        ASSERT_GT(i, 0u);
        ASSERT_EQ(data[i - 1], '\r') << "bare LF at " << i;
        const auto len = i - 1 - line_start;
        EXPECT_LE(len, 998u) << "line at " << line_start;
        if (len == 0) in_headers = false;
        if (in_headers && len > 78) {
            // Longer only when it holds one unbreakable word.
            auto line = std::string_view(data).substr(line_start, len);
            if (line.front() != ' ' && line.front() != '\t') line.remove_prefix(line.find(':') + 2);
            while (line.front() == ' ' || line.front() == '\t')
                line.remove_prefix(1);
            EXPECT_EQ(line.find_first_of(" \t"), std::string_view::npos) << line;
        }
        line_start = i + 1;
    }
}

rendered_message render_ok(const email_message& m, const render_options& o = opts()) {
    auto r = render(m, o, k_clock);
    if (!r) throw std::runtime_error(r.error().to_string());
    check_wire_form(r->data);
    return std::move(*r);
}

json::object parse_back(const std::string& data, bool utf8 = false) {
    test::temp_file f(data);
    std::vector<std::string> args{f.path().string()};
    if (utf8) args.insert(args.begin(), "--utf8");
    auto r = test::run_python("mime/mime_summary.py", args);
    if (r.exit_code != 0) throw std::runtime_error("mime_summary.py failed");
    auto v = json::parse(r.out).as_object();
    EXPECT_TRUE(v["defects"].as_array().empty()) << json::serialize(v["defects"]) << "\n" << data;
    return v;
}

std::string field(const json::object& s, std::string_view name) {
    for (const auto& h : s.at("headers").as_array())
        if (h.as_array()[0].as_string() == name) return std::string(h.as_array()[1].as_string());
    return "<absent>";
}

std::vector<std::string> field_names(const json::object& s) {
    std::vector<std::string> out;
    for (const auto& h : s.at("headers").as_array())
        out.emplace_back(h.as_array()[0].as_string());
    return out;
}

const json::object& part(const json::object& s, std::size_t i) {
    return s.at("parts").as_array().at(i).as_object();
}

std::string str(const json::object& o, std::string_view key) {
    return std::string(o.at(key).as_string());
}

std::vector<std::string> types(const json::object& s) {
    std::vector<std::string> out;
    for (const auto& p : s.at("parts").as_array())
        out.emplace_back(p.as_object().at("content_type").as_string());
    return out;
}

std::string header_section(const std::string& data) {
    return data.substr(0, data.find("\r\n\r\n") + 2);
}

// ---- structure --------------------------------------------------------------

TEST(render, text_only_is_one_text_plain_part_with_the_generated_headers) {
    auto m = basic();
    m.bcc = {"audit@example.net"};
    const auto r = render_ok(m);
    const auto s = parse_back(r.data);
    EXPECT_EQ(field_names(s), (std::vector<std::string>{
                                  "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                                  "Content-Type", "Content-Transfer-Encoding"}));
    EXPECT_EQ(field(s, "Date"), "Thu, 26 Nov 2026 07:44:52 +0000");
    EXPECT_EQ(field(s, "Message-ID"), "<1795679092742-0-e3@example.com>");
    EXPECT_EQ(field(s, "MIME-Version"), "1.0");
    EXPECT_EQ(types(s), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(str(part(s, 0), "cte"), "7bit");
    EXPECT_EQ(str(part(s, 0), "text"), m.text);
    EXPECT_EQ(r.data.find("audit@"), std::string::npos) << "Bcc never appears in the message";
    EXPECT_EQ(r.mail_from, "shop@example.com");
    EXPECT_EQ(r.rcpt_to, (std::vector<std::string>{"ann@example.org", "audit@example.net"}));
}

TEST(render, is_deterministic_and_message_ids_follow_the_herald_id) {
    const auto a = render_ok(basic());
    EXPECT_EQ(a.data, render_ok(basic()).data);
    auto o = opts();
    o.message_id = "1795679092743-0-e3";
    EXPECT_NE(render_ok(basic(), o).data.find("Message-ID: <1795679092743-0-e3@example.com>"),
              std::string::npos);
}

TEST(render, text_and_html_make_multipart_alternative) {
    auto m = basic();
    m.html = "<p>Hello Ann,</p>\n<p>your order has shipped.</p>";
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(types(s),
              (std::vector<std::string>{"multipart/alternative", "text/plain", "text/html"}));
    EXPECT_EQ(str(part(s, 1), "text"), m.text);
    EXPECT_EQ(str(part(s, 2), "text"), m.html);
    EXPECT_EQ(part(s, 1).at("params").as_object().at("charset").as_string(), "utf-8");
}

TEST(render, html_only_is_one_text_html_part) {
    auto m = basic();
    m.text.clear();
    m.html = "<p>hi</p>\n";
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(types(s), std::vector<std::string>{"text/html"});
    EXPECT_EQ(str(part(s, 0), "text"), m.html);
}

TEST(render, an_empty_message_has_one_empty_text_part) {
    auto m = basic();
    m.text.clear();
    m.subject.clear();
    const auto r = render_ok(m);
    EXPECT_TRUE(r.data.ends_with("\r\n\r\n"));
    const auto s = parse_back(r.data);
    EXPECT_EQ(types(s), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(str(part(s, 0), "text"), "");
    EXPECT_EQ(field(s, "Subject"), "");
}

TEST(render, attachments_make_multipart_mixed_with_base64_in_76_character_lines) {
    auto m = basic();
    m.attachments.push_back({"data.bin", "application/octet-stream", binary_b64(), ""});
    m.attachments.push_back({"note.txt", "text/plain", "aGVs\nbG8=\n", ""});  // "hello"
    const auto r = render_ok(m);
    const auto s = parse_back(r.data);
    EXPECT_EQ(types(s), (std::vector<std::string>{"multipart/mixed", "text/plain",
                                                  "application/octet-stream", "text/plain"}));
    EXPECT_EQ(str(part(s, 2), "bytes_b64"), binary_b64());
    EXPECT_EQ(str(part(s, 2), "filename"), "data.bin");
    EXPECT_EQ(str(part(s, 2), "disposition"), "attachment");
    EXPECT_EQ(str(part(s, 2), "cte"), "base64");
    EXPECT_EQ(str(part(s, 3), "text"), "hello");
    // 1024 characters: 13 lines of 76 and one of 36.
    const auto at = r.data.find(binary_b64().substr(0, 76));
    ASSERT_NE(at, std::string::npos);
    for (int i = 0; i < 13; ++i)
        EXPECT_EQ(r.data.substr(at + static_cast<std::size_t>(i) * 78 + 76, 2), "\r\n");
    EXPECT_EQ(r.data.substr(at + 13 * 78 + 36, 2), "\r\n");
}

TEST(render, inline_images_go_in_multipart_related_with_their_content_id) {
    auto m = basic();
    m.html = "<p><img src=\"cid:logo@shop\"></p>";
    m.attachments.push_back({"logo.png", "image/png", "iVBORw0KGgo=", "logo@shop"});
    m.attachments.push_back({"invoice.pdf", "application/pdf", "JVBERi0=", ""});
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(types(s), (std::vector<std::string>{"multipart/mixed", "multipart/related",
                                                  "multipart/alternative", "text/plain",
                                                  "text/html", "image/png", "application/pdf"}));
    EXPECT_EQ(part(s, 1).at("params").as_object().at("type").as_string(), "multipart/alternative");
    EXPECT_EQ(str(part(s, 5), "content_id"), "<logo@shop>");
    EXPECT_EQ(str(part(s, 5), "disposition"), "inline");
    EXPECT_EQ(str(part(s, 5), "bytes_b64"), "iVBORw0KGgo=");
    EXPECT_EQ(str(part(s, 6), "disposition"), "attachment");
}

TEST(render, inline_parts_without_html_alternative_relate_to_the_single_body) {
    auto m = basic();
    m.text.clear();
    m.html = "<img src=\"cid:a\">";
    m.attachments.push_back({"a.gif", "image/gif", "R0lGODdh", "<a>"});
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(types(s), (std::vector<std::string>{"multipart/related", "text/html", "image/gif"}));
    EXPECT_EQ(part(s, 0).at("params").as_object().at("type").as_string(), "text/html");
    EXPECT_EQ(str(part(s, 2), "content_id"), "<a>");
}

TEST(render, a_boundary_never_occurs_in_7bit_content) {
    auto m = basic();
    m.text = "--=_hd_1795679092742-0-e3_alt\n";
    m.html = "<p>--=_hd1_1795679092742-0-e3_alt</p>";
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(types(s).size(), 3u);
    EXPECT_EQ(str(part(s, 1), "text"), m.text);
    EXPECT_EQ(str(part(s, 2), "text"), m.html);
}

TEST(render, non_ascii_filenames_use_rfc_2231) {
    auto m = basic();
    m.attachments.push_back({"Rechnung März \"2026\".pdf", "application/pdf", "JVBERi0=", ""});
    m.attachments.push_back({"plain \"quoted\" \\ name.txt", "text/plain", "", ""});
    const auto s = parse_back(render_ok(m).data);
    EXPECT_EQ(str(part(s, 2), "filename"), "Rechnung März \"2026\".pdf");
    EXPECT_EQ(str(part(s, 3), "filename"), "plain \"quoted\" \\ name.txt");
    EXPECT_EQ(str(part(s, 3), "text"), "");
}

// ---- encodings --------------------------------------------------------------

TEST(render, non_ascii_subjects_round_trip_in_encoded_words_of_at_most_75) {
    for (const std::string& subject : std::vector<std::string>{
             "Grüße aus Köln", "注文が発送されました — 注文番号 12345 のお届け予定日は明日です",
             "Emoji 🎉🎉🎉 party and a long tail of words to force folding across several lines "
             "of header text",
             "ASCII that looks encoded =?utf-8?q?x?= stays literal", std::string(300, 'e') + "é"}) {
        auto m = basic();
        m.subject = subject;
        const auto r = render_ok(m);
        const auto s = parse_back(r.data);
        EXPECT_EQ(field(s, "Subject"), subject);
        const auto head = header_section(r.data);
        for (std::size_t at = head.find("=?"); at != std::string::npos;
             at = head.find("=?", at + 2)) {
            const auto end = head.find("?=", at + 10);
            ASSERT_NE(end, std::string::npos);
            EXPECT_LE(end + 2 - at, 75u) << head.substr(at, end + 2 - at);
            at = end;
        }
    }
}

TEST(render, display_names_round_trip) {
    auto m = basic();
    m.from = "Zoë Café-Bäckerei <zoe@example.com>";
    m.to = {"\"Doe, John\" <john@example.org>",
            "\"Ann \\\"the boss\\\" O'Neil\" <ann@example.org>",
            "José Müller <jose@example.org>",
            "<bare@example.org>",
            "plain@example.org",
            "Dr. A. B. <ab@example.org>"};
    m.reply_to = "Support Team <help@example.com>";
    const auto s = parse_back(render_ok(m).data);
    const auto& a = s.at("addresses").as_object();
    auto name = [&](std::string_view f, std::size_t i) {
        return std::string(a.at(f).as_array()[i].as_object().at("display_name").as_string());
    };
    auto spec = [&](std::string_view f, std::size_t i) {
        return std::string(a.at(f).as_array()[i].as_object().at("addr_spec").as_string());
    };
    EXPECT_EQ(name("from", 0), "Zoë Café-Bäckerei");
    EXPECT_EQ(spec("from", 0), "zoe@example.com");
    EXPECT_EQ(a.at("to").as_array().size(), 6u);
    EXPECT_EQ(name("to", 0), "Doe, John");
    EXPECT_EQ(name("to", 1), "Ann \"the boss\" O'Neil");
    EXPECT_EQ(name("to", 2), "José Müller");
    EXPECT_EQ(name("to", 3), "");
    EXPECT_EQ(spec("to", 3), "bare@example.org");
    EXPECT_EQ(spec("to", 4), "plain@example.org");
    EXPECT_EQ(name("to", 5), "Dr. A. B.");
    EXPECT_EQ(name("reply-to", 0), "Support Team");
}

TEST(render, idn_domains_become_a_labels_in_headers_and_envelope) {
    auto m = basic();
    m.from = "Bücher <info@bücher.example>";
    m.to = {"user@ÉXAMPLE.münchen.test"};
    const auto r = render_ok(m);
    EXPECT_EQ(r.mail_from, "info@xn--bcher-kva.example");
    EXPECT_EQ(r.rcpt_to, std::vector<std::string>{"user@xn--xample-9ua.xn--mnchen-3ya.test"});
    const auto s = parse_back(r.data);
    EXPECT_EQ(field(s, "Message-ID"), "<1795679092742-0-e3@xn--bcher-kva.example>");
    EXPECT_EQ(field(s, "From"), "Bücher <info@xn--bcher-kva.example>");
}

// ---- internationalised addresses (RFC 6531/6532) ---------------------------------

// The wire form of an RFC 6532 message: CRLF only, lines within 998
// octets, and 8-bit octets in the header section only (valid UTF-8).
void check_utf8_wire_form(const std::string& data) {
    const auto head_end = data.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    EXPECT_TRUE(is_valid_utf8(data.substr(0, head_end)));
    EXPECT_TRUE(is_ascii(data.substr(head_end))) << "the body stays 7-bit";
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] != '\n') continue;
        ASSERT_EQ(data[i - 1], '\r') << "bare LF at " << i;
        EXPECT_LE(i - 1 - line_start, 998u);
        line_start = i + 1;
    }
}

std::string header_line(const std::string& data, std::string_view name) {
    const auto at = data.find("\r\n" + std::string(name) + ": ");
    return at == std::string::npos ? "<absent>"
                                   : data.substr(at + 2, data.find("\r\n", at + 2) - at - 2);
}

TEST(render, utf8_local_parts_go_raw_in_header_fields_and_envelope) {
    auto m = basic();
    m.from = "Zoë <zoë@bücher.example>";
    m.to = {"Jürgen Groß <jürgen@dest.test>", "ann@example.org"};
    m.cc = {"\"δοκιμή x\"@example.gr"};
    m.reply_to = "用户@例子.test";
    auto r = render(m, opts(), k_clock);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->needs_smtputf8);
    EXPECT_TRUE(r->utf8_headers);
    check_utf8_wire_form(r->data);
    EXPECT_EQ(r->mail_from, "zoë@xn--bcher-kva.example") << "domains still go as A-labels";
    EXPECT_EQ(r->rcpt_to, (std::vector<std::string>{"jürgen@dest.test", "ann@example.org",
                                                    "\"δοκιμή x\"@example.gr"}));
    const auto to = header_line(r->data, "To");
    EXPECT_TRUE(to.starts_with("To: =?UTF-8?")) << "the display name stays an encoded-word";
    EXPECT_TRUE(to.ends_with("?= <jürgen@dest.test>, ann@example.org")) << to;
    EXPECT_EQ(header_line(r->data, "Reply-To"), "Reply-To: 用户@xn--fsqu00a.test");
    EXPECT_EQ(header_line(r->data, "Message-ID"),
              "Message-ID: <1795679092742-0-e3@xn--bcher-kva.example>");

    const auto s = parse_back(r->data, true);
    const auto& a = s.at("addresses").as_object();
    auto entry = [&](std::string_view f, std::size_t i, std::string_view key) {
        return std::string(a.at(f).as_array()[i].as_object().at(key).as_string());
    };
    EXPECT_EQ(entry("from", 0, "display_name"), "Zoë");
    EXPECT_EQ(entry("from", 0, "addr_spec"), "zoë@xn--bcher-kva.example");
    EXPECT_EQ(entry("to", 0, "display_name"), "Jürgen Groß");
    EXPECT_EQ(entry("to", 0, "addr_spec"), "jürgen@dest.test");
    EXPECT_EQ(entry("to", 1, "addr_spec"), "ann@example.org");
    EXPECT_EQ(entry("cc", 0, "addr_spec"), "\"δοκιμή x\"@example.gr");
    EXPECT_EQ(entry("reply-to", 0, "addr_spec"), "用户@xn--fsqu00a.test");
    EXPECT_EQ(types(s), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(str(part(s, 0), "text"), m.text);
}

TEST(render, a_utf8_address_changes_only_its_own_header_field) {
    auto ascii = basic();
    ascii.to = {"Jürgen <juergen@dest.test>"};
    ascii.html = "<p>Grüße</p>";
    auto utf8 = ascii;
    utf8.to = {"Jürgen <jürgen@dest.test>"};
    const auto a = render_ok(ascii);
    auto u = render(utf8, opts(), k_clock);
    ASSERT_TRUE(u);
    EXPECT_FALSE(a.needs_smtputf8);
    EXPECT_FALSE(a.utf8_headers);
    auto without_to = [](const std::string& d) {
        const auto to = d.find("\r\nTo: ") + 2;
        return d.substr(0, to) + d.substr(d.find("\r\n", to) + 2);
    };
    EXPECT_EQ(without_to(u->data), without_to(a.data));
    EXPECT_NE(u->data.find("\r\nTo: =?UTF-8?Q?J=C3=BCrgen?= <jürgen@dest.test>\r\n"),
              std::string::npos)
        << header_section(u->data);
}

TEST(render, a_utf8_bcc_needs_smtputf8_but_leaves_the_message_ascii) {
    auto m = basic();
    m.bcc = {"jürgen@dest.test"};
    const auto r = render_ok(m);  // checks the 7-bit wire form
    EXPECT_TRUE(r.needs_smtputf8);
    EXPECT_FALSE(r.utf8_headers);
    EXPECT_EQ(r.rcpt_to, (std::vector<std::string>{"ann@example.org", "jürgen@dest.test"}));
    EXPECT_EQ(r.data.find("dest.test"), std::string::npos);
}

TEST(render, ascii_and_idn_addresses_need_no_smtputf8) {
    auto m = basic();
    m.to = {"user@münchen.test"};
    m.reply_to = "\"quoted one\"@example.org";
    const auto r = render_ok(m);
    EXPECT_FALSE(r.needs_smtputf8);
    EXPECT_FALSE(r.utf8_headers);
}

TEST(render, text_bodies_decode_exactly_in_7bit_or_quoted_printable) {
    const std::string long_line(200, 'a');
    const std::vector<std::pair<std::string, std::string>> cases = {
        {long_line + "\nshort\n", "quoted-printable"},
        {"Grüße\n", "quoted-printable"},
        {"tail without newline ü", "quoted-printable"},
        {std::string(76, 'x') + "=\n" + std::string(75, 'y') + " \n", "quoted-printable"},
        {"trailing space \nand tab\t\nend", "quoted-printable"},
        {"= sign and =3D literal\n", "7bit"},
        {"mixed\r\nline\rends\n", "7bit"},
        {".\n..leading dots\n", "7bit"},
    };
    for (const auto& [text, cte] : cases) {
        auto m = basic();
        m.text = text;
        m.html = "<p>" + long_line + "</p>";
        const auto r = render_ok(m);
        const auto s = parse_back(r.data);
        EXPECT_EQ(str(part(s, 1), "cte"), cte) << text;
        EXPECT_EQ(str(part(s, 2), "cte"), "quoted-printable");
        std::string expected = text;  // the parser reads every line end as LF
        for (std::size_t p; (p = expected.find("\r\n")) != std::string::npos;)
            expected.replace(p, 2, "\n");
        std::replace(expected.begin(), expected.end(), '\r', '\n');
        EXPECT_EQ(str(part(s, 1), "text"), expected);
        EXPECT_EQ(str(part(s, 2), "text"), m.html);
        // Quoted-printable lines stay within 76 characters.
        for (std::size_t at = 0, next; (next = r.data.find("\r\n", at)) != std::string::npos;
             at = next + 2)
            EXPECT_LE(next - at, 76u);
    }
}

TEST(render, short_ascii_lines_stay_7bit) {
    auto m = basic();
    m.text = std::string(78, 'x') + "\n";
    EXPECT_EQ(str(part(parse_back(render_ok(m).data), 0), "cte"), "7bit");
    m.text = std::string(79, 'x');
    EXPECT_EQ(str(part(parse_back(render_ok(m).data), 0), "cte"), "quoted-printable");
}

TEST(render, long_headers_fold_at_78_and_unfold_to_the_same_value) {
    auto m = basic();
    m.to.clear();
    for (int i = 0; i < 40; ++i)
        m.to.push_back("Recipient Number " + std::to_string(i) + " <r" + std::to_string(i) +
                       "@example.org>");
    m.subject = "A long subject line " + std::string(20, 'x') + " that goes on and on " +
                "well past the seventy-eight character mark of the header line";
    m.headers = {{"X-Campaign", std::string(120, 'c') + " tail"}};
    const auto r = render_ok(m);
    const auto s = parse_back(r.data);
    EXPECT_EQ(field(s, "Subject"), m.subject);
    EXPECT_EQ(s.at("addresses").as_object().at("to").as_array().size(), 40u);
    EXPECT_EQ(field(s, "X-Campaign"), m.headers[0].second);
    EXPECT_EQ(r.rcpt_to.size(), 40u);
}

TEST(render, list_unsubscribe_with_one_click_post) {
    auto o = opts();
    o.unsubscribe_url = "https://shop.example.com/u/abc123?x=1";
    o.unsubscribe_mailto = "mailto:unsub@shop.example.com?subject=unsubscribe";
    auto s = parse_back(render_ok(basic(), o).data);
    EXPECT_EQ(field(s, "List-Unsubscribe"),
              "<https://shop.example.com/u/abc123?x=1>, "
              "<mailto:unsub@shop.example.com?subject=unsubscribe>");
    EXPECT_EQ(field(s, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    o.unsubscribe_url.clear();
    s = parse_back(render_ok(basic(), o).data);
    EXPECT_EQ(field(s, "List-Unsubscribe"), "<mailto:unsub@shop.example.com?subject=unsubscribe>");
    EXPECT_EQ(field(s, "List-Unsubscribe-Post"), "<absent>") << "one-click needs https";
}

TEST(render, extra_headers_keep_their_order_and_non_ascii_is_encoded) {
    auto m = basic();
    m.headers = {{"X-Campaign", "fall"},
                 {"In-Reply-To", "<a@b.example>"},
                 {"X-Note", "naïve café"},
                 {"X-Campaign", "second"}};
    const auto r = render_ok(m);
    const auto s = parse_back(r.data);
    const auto names = field_names(s);
    const auto at = std::find(names.begin(), names.end(), "X-Campaign");
    ASSERT_NE(at, names.end());
    EXPECT_EQ(std::vector<std::string>(at, at + 4),
              (std::vector<std::string>{"X-Campaign", "In-Reply-To", "X-Note", "X-Campaign"}));
    EXPECT_EQ(field(s, "X-Note"), "naïve café");
    EXPECT_EQ(*(at + 4), "Content-Type") << "extra headers never follow the MIME fields";
}

// ---- refusals ------------------------------------------------------------------

error refused(const email_message& m, const render_options& o = opts()) {
    auto r = render(m, o, k_clock);
    if (r) throw std::runtime_error("rendered what should be refused:\n" + r->data);
    return r.error();
}

std::string code(const email_message& m, const render_options& o = opts()) {
    return std::string(refused(m, o).name());
}

TEST(render_refuses, cr_or_lf_in_any_header_value_or_address) {
    auto with = [](auto change) {
        auto m = basic();
        change(m);
        return code(m);
    };
    EXPECT_EQ(with([](auto& m) { m.subject = "hi\r\nBcc: victim@example.net"; }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) { m.subject = "hi\nthere"; }), "header_injection");
    EXPECT_EQ(with([](auto& m) { m.subject = "hi\rthere"; }), "header_injection");
    EXPECT_EQ(with([](auto& m) { m.from = "Shop\r\nBcc: x@y.example <shop@example.com>"; }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) { m.to = {"ann@example.org\r\nBcc: x@y.example"}; }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) { m.cc = {"a@b.example\n"}; }), "header_injection");
    EXPECT_EQ(with([](auto& m) { m.bcc = {"a@b.example\r"}; }), "header_injection");
    EXPECT_EQ(with([](auto& m) { m.reply_to = "x@y.example\r\nX: y"; }), "header_injection");
    EXPECT_EQ(with([](auto& m) {
                  m.headers = {{"X-Tag", "a\r\nBcc: x@y.example"}};
              }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) {
                  m.headers = {{"X-Tag\r\nBcc", "x@y.example"}};
              }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) {
                  m.attachments = {{"a\r\n.txt", "text/plain", "", ""}};
              }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) {
                  m.attachments = {{"a.txt", "text/plain\r\nX: y", "", ""}};
              }),
              "header_injection");
    EXPECT_EQ(with([](auto& m) {
                  m.attachments = {{"a.png", "image/png", "", "a\nb"}};
              }),
              "header_injection");
    auto o = opts();
    o.unsubscribe_url = "https://x.example/u\r\nBcc: v@x.example";
    EXPECT_EQ(code(basic(), o), "header_injection");
}

TEST(render_refuses, invalid_addresses) {
    auto to = [](std::string addr) {
        auto m = basic();
        m.to = {std::move(addr)};
        return refused(m);
    };
    for (const std::string& addr :
         std::vector<std::string>{"",
                                  "no-at-sign",
                                  "a@",
                                  "@example.org",
                                  "a..b@example.org",
                                  ".a@example.org",
                                  "a.@example.org",
                                  "a b@example.org",
                                  "\xfc@example.org",  // Latin-1, not UTF-8
                                  "a@[192.0.2.1]",
                                  "a@localhost",
                                  "a@-bad.example",
                                  "a@bad-.example",
                                  "a@ex_ample.org",
                                  "a@example..org",
                                  "a@example.org.",
                                  "Ann <a@example.org",
                                  "Ann a@example.org>",
                                  "\"unclosed <a@example.org>",
                                  "<a@example.org> trailing",
                                  "a@exa mple.org",
                                  "a@xn--a.example",
                                  "a@" + std::string(64, 'l') + ".example",
                                  "\"a\"b\"@example.org",
                                  "a\x01@example.org"}) {
        const auto e = to(addr);
        EXPECT_EQ(e.name(), "invalid_address") << addr;
        EXPECT_EQ(e.http_status(), 400);
    }
    auto m = basic();
    m.from = "not an address";
    EXPECT_EQ(code(m), "invalid_address");
    m = basic();
    m.to.clear();
    EXPECT_EQ(code(m), "invalid_address") << "no recipients";
}

TEST(render_refuses, addresses_past_the_rfc_5321_length_limits) {
    auto to = [](std::string addr) {
        auto m = basic();
        m.to = {addr};
        return render(m, opts(), k_clock);
    };
    const std::string label(63, 'd');
    const auto domain_of = [&](std::size_t n) {  // n octets, labels of 63
        std::string d;
        while (d.size() + 64 < n)
            d += label + '.';
        d += std::string(n - d.size() - 4, 'e') + ".org";
        return d;
    };
    EXPECT_TRUE(to(std::string(64, 'l') + "@example.org")) << "64-octet local part";
    EXPECT_EQ(to(std::string(65, 'l') + "@example.org").error().name(), "invalid_address");
    EXPECT_EQ(to("\"" + std::string(63, ' ') + "\"@example.org").error().name(), "invalid_address")
        << "65 octets with the quotes";
    // Path: "<" local "@" domain ">" at most 256: local 64 + domain 189 = 256.
    EXPECT_TRUE(to(std::string(64, 'l') + "@" + domain_of(189)));
    EXPECT_EQ(to(std::string(64, 'l') + "@" + domain_of(190)).error().name(), "invalid_address");
    EXPECT_TRUE(to("l@" + domain_of(252)));
    EXPECT_EQ(to("l@" + domain_of(256)).error().name(), "invalid_address");
}

TEST(render_refuses, local_parts_that_are_not_utf8_or_not_atoms) {
    for (const std::string& addr :
         std::vector<std::string>{"j\xfcrgen@dest.test",          // Latin-1
                                  "j\xc3@dest.test",              // truncated character
                                  "\xc0\xafx@dest.test",          // overlong '/'
                                  "\xed\xa0\x80x@dest.test",      // a UTF-16 surrogate
                                  "\xf4\x90\x80\x80x@dest.test",  // past U+10FFFF
                                  "jü..rgen@dest.test",           // still a dot-atom
                                  "jü rgen@dest.test",            // space outside quotes
                                  "\"jü\"rgen\"@dest.test"}) {    // stray quote
        auto m = basic();
        m.to = {addr};
        EXPECT_EQ(code(m), "invalid_address") << addr;
        m = basic();
        m.from = addr;
        EXPECT_EQ(code(m), "invalid_address") << addr;
    }
    auto m = basic();
    m.to = {"jü\r\nBcc: x@example.net <jü@dest.test>"};
    EXPECT_EQ(code(m), "header_injection");
    m.to = {"jü\nrgen@dest.test"};
    EXPECT_EQ(code(m), "header_injection");
}

TEST(render_refuses, utf8_addresses_past_the_rfc_6531_octet_limits) {
    auto to = [](std::string addr) {
        auto m = basic();
        m.to = {addr};
        return render(m, opts(), k_clock);
    };
    std::string u32;  // 32 "ü": 64 octets, 32 characters
    for (int i = 0; i < 32; ++i)
        u32 += "ü";
    EXPECT_TRUE(to(u32 + "@example.org")) << "64-octet local part";
    EXPECT_EQ(to(u32 + "a@example.org").error().name(), "invalid_address") << "65 octets";
    EXPECT_TRUE(to("\"" + u32.substr(0, 62) + "\"@example.org")) << "62 octets and the quotes";
    EXPECT_EQ(to("\"" + u32 + "\"@example.org").error().name(), "invalid_address")
        << "64 octets and the quotes";
    const std::string label(63, 'd');
    const std::string domain189 = label + '.' + label + '.' + std::string(57, 'e') + ".org";
    ASSERT_EQ(domain189.size(), 189u);
    EXPECT_TRUE(to(u32 + "@" + domain189)) << "path of 256 octets";
    EXPECT_EQ(to(u32 + "@e" + domain189).error().name(), "invalid_address") << "257 octets";
}

TEST(render_refuses, domains_libidn2_rejects) {
    for (const std::string& addr :
         std::vector<std::string>{"a@\xe2\x98\x83\xef\xb8\x8f.example",  // a snowman: disallowed
                                  "a@b\xff.example",                     // not UTF-8
                                  "a@xn--a.example",                     // not a valid A-label
                                  "a@fa\xc3\x9f-.de"}) {                 // hyphen at the end
        auto m = basic();
        m.to = {addr};
        EXPECT_EQ(code(m), "invalid_address") << addr;
    }
}

TEST(render_refuses, overriding_generated_or_envelope_headers) {
    std::istringstream names(
        "Date Message-ID message-id From TO Cc Bcc Reply-To Subject MIME-Version Content-Type "
        "content-transfer-encoding Content-ID Content-Disposition List-Unsubscribe "
        "List-Unsubscribe-Post Sender Return-Path DKIM-Signature Received");
    for (std::string name; names >> name;) {
        auto m = basic();
        m.headers = {{name, "x"}};
        const auto e = refused(m);
        EXPECT_EQ(e.name(), "reserved_header") << name;
        EXPECT_EQ(e.http_status(), 400);
    }
}

TEST(render_refuses, bad_header_names_and_values) {
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"", "x"},
                                                          {"X Tag", "x"},
                                                          {"X:Tag", "x"},
                                                          {"X-Tag", "nul\x01"},
                                                          {"X-Tag", "bad utf8 \xc3("},
                                                          {"X-Tag", std::string(1000, 'w')},
                                                          {std::string(77, 'X'), "x"},
                                                          {"X-\xc3\xa9", "x"}}) {
        auto m = basic();
        m.headers = {{name, value}};
        EXPECT_EQ(code(m), "invalid_header") << name;
    }
    auto m = basic();
    m.subject = "bell\a";
    EXPECT_EQ(code(m), "invalid_header");
    m.subject = "\xe2\x82";
    EXPECT_EQ(code(m), "invalid_header");
}

TEST(render_refuses, bad_message_ids_and_unsubscribe_uris) {
    for (const std::string& id :
         std::vector<std::string>{"", "a b", "a@b", "<x>", "..", std::string(65, 'a')}) {
        auto o = opts();
        o.message_id = id;
        EXPECT_EQ(code(basic(), o), "invalid_header") << id;
    }
    for (const std::string& url : std::vector<std::string>{
             "http://x.example/u", "https://", "https://x.example/a b", "https://x.example/<u>",
             "mailto:u@x.example", "https://x.example/" + std::string(1000, 'u')}) {
        auto o = opts();
        o.unsubscribe_url = url;
        EXPECT_EQ(code(basic(), o), "invalid_header") << url;
    }
    auto o = opts();
    o.unsubscribe_mailto = "https://x.example/u";
    EXPECT_EQ(code(basic(), o), "invalid_header");
}

TEST(render_refuses, invalid_attachments) {
    const std::vector<attachment> bad = {
        {"a.bin", "application/octet-stream", "not base64!", ""},
        {"a.bin", "application/octet-stream", "QUJD=", ""},     // not a multiple of 4
        {"a.bin", "application/octet-stream", "QU=D", ""},      // data after padding
        {"a.bin", "application/octet-stream", "Q===", ""},      // too much padding
        {"a.bin", "application/octet-stream", "QUJD-_8=", ""},  // base64url alphabet
        {"a.bin", "pdf", "QUJD", ""},
        {"a.bin", "application/pdf; x=y", "QUJD", ""},
        {"a.eml", "message/rfc822", "QUJD", ""},
        {"a.bin", "multipart/mixed", "QUJD", ""},
        {std::string(256, 'f'), "application/pdf", "QUJD", ""},
        {"tab\tname", "application/pdf", "QUJD", ""},
        {"bad\xff", "application/pdf", "QUJD", ""},
        {"a.png", "image/png", "QUJD", "has space"},
        {"a.png", "image/png", "QUJD", "<>"},
        {"a.png", "image/png", "QUJD", std::string(251, 'c')},
    };
    for (const auto& a : bad) {
        auto m = basic();
        m.attachments = {a};
        const auto e = refused(m);
        EXPECT_EQ(e.name(), "invalid_attachment") << a.filename << " " << a.content_type;
        EXPECT_EQ(e.http_status(), 400);
    }
    auto m = basic();
    m.html = "<img src=cid:x>";
    m.attachments = {{"a.png", "image/png", "QUJD", "x"}, {"b.png", "image/png", "QUJD", "<x>"}};
    EXPECT_EQ(code(m), "invalid_attachment") << "duplicate Content-ID";
}

TEST(render_refuses, messages_over_the_configured_size) {
    auto m = basic();
    m.attachments.push_back({"big.bin", "application/octet-stream", std::string(4000, 'A'), ""});
    auto o = opts();
    o.max_bytes = 3000;
    auto e = refused(m, o);
    EXPECT_EQ(e.name(), "message_too_large");
    EXPECT_EQ(e.http_status(), 413);
    // Over the limit only once encoded (line breaks, headers): still refused.
    const auto size = render_ok(m).data.size();
    o.max_bytes = size - 1;
    EXPECT_EQ(code(m, o), "message_too_large");
    o.max_bytes = size;
    EXPECT_TRUE(render(m, o, k_clock));
}

// ---- encoders and dot-stuffing ----------------------------------------------------

TEST(encode_words, never_split_a_character_and_stay_within_75) {
    const std::string text = "日本語のテキスト🎉 and ASCII — ünïcödé " + std::string(100, 'z');
    const auto words = encode_words(text, 30);
    ASSERT_GT(words.size(), 2u);
    EXPECT_LE(words.front().size(), 30u);
    for (const auto& w : words)
        EXPECT_LE(w.size(), 75u);
    // Decoded back by the independent parser: one header of only encoded words.
    std::string subject;
    for (const auto& w : words)
        subject += (subject.empty() ? "" : " ") + w;
    const auto s = parse_back("Subject: " + subject + "\r\n\r\n");
    EXPECT_EQ(field(s, "Subject"), text);
}

}  // namespace
}  // namespace herald::mime

namespace herald::mime {
namespace {

// Plain ASCII domains skip libidn2 (mime/address.cpp): the answer must be
// what libidn2 gives, and anything IDNA has a say on still goes through it.
TEST(address, ascii_domains_are_lower_cased_and_idna_forms_still_checked) {
    for (const auto& [in, out] : std::vector<std::pair<std::string, std::string>>{
             {"A@Example.ORG", "example.org"},
             {"a@mx-1.Mail.example", "mx-1.mail.example"},
             {"a@xn--bcher-kva.example", "xn--bcher-kva.example"},
             {"a@BÜCHER.example", "xn--bcher-kva.example"}}) {
        auto m = parse_mailbox(in);
        ASSERT_TRUE(m) << in << ": " << m.error().to_string();
        EXPECT_EQ(m->domain, out) << in;
    }
    EXPECT_EQ(parse_mailbox("A@Example.ORG")->local_part, "A") << "local parts keep their case";
    for (const char* bad : {"a@xn--a.example", "a@XN--A.example", "a@-a.example"})
        EXPECT_FALSE(parse_mailbox(bad)) << bad;
}

}  // namespace
}  // namespace herald::mime
