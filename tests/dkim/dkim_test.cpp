// DKIM signing checked by independent verifiers: every signature made by
// either signer (libopendkim, cached key), RSA-2048 and Ed25519, is
// verified by python3-dkim (tests/dkim/dkim_verify.py, keys served by its
// DNS hook) and by libopendkim's own verifier (keys from a query file).
// Keys are generated here with OpenSSL, not by herald.
#include "dkim/cached_signer.hpp"
#include "dkim/canon.hpp"
#include "dkim/key.hpp"
#include "dkim/opendkim_signer.hpp"
#include "dkim/signer.hpp"
#include "mime/render.hpp"
#include "tests/dkim/opendkim_verifier.hpp"
#include "tests/support/python_runner.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>

#include <fstream>
#include <thread>

namespace herald::dkim {
namespace {

namespace json = boost::json;

const wall_clock k_clock;  // python3-dkim refuses t= in the future

template <class T>
T must(result<T> r) {
    if (!r) throw std::runtime_error(r.error().to_string());
    return std::move(*r);
}

// ---- keys, made and published by the test -------------------------------------

struct test_key {
    std::string pem;
    std::string record;  // the TXT record, computed here from the key
    std::shared_ptr<const dkim_key> parsed;
};

std::string b64(const unsigned char* p, std::size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    out.resize(static_cast<std::size_t>(
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n))));
    return out;
}

std::string pem_of(EVP_PKEY* k) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

test_key make_key(const char* type, std::size_t bits = 2048) {
    EVP_PKEY* k = std::string_view(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)
                                                  : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    if (!k) throw std::runtime_error("keygen failed");
    test_key t{pem_of(k), {}, {}};
    if (std::string_view(type) == "ED25519") {
        unsigned char raw[32];
        std::size_t n = sizeof raw;
        EVP_PKEY_get_raw_public_key(k, raw, &n);
        t.record = "v=DKIM1; k=ed25519; p=" + b64(raw, n);
    } else {
        unsigned char* der = nullptr;
        const int n = i2d_PUBKEY(k, &der);
        t.record = "v=DKIM1; k=rsa; p=" + b64(der, static_cast<std::size_t>(n));
        OPENSSL_free(der);
    }
    EVP_PKEY_free(k);
    auto parsed = dkim_key::parse(t.pem);
    if (!parsed) throw std::runtime_error(parsed.error().to_string());
    t.parsed = *parsed;
    return t;
}

const test_key& rsa_key() {
    static const test_key k = make_key("RSA");
    return k;
}

const test_key& ed_key() {
    static const test_key k = make_key("ED25519");
    return k;
}

// ---- the verifiers ----------------------------------------------------------------

// Both verifiers see the same two records: rsa._domainkey and ed._domainkey.
class verifiers {
public:
    verifiers()
        : records_(json::serialize(json::object{{"rsa._domainkey.example.test.", rsa_key().record},
                                                {"ed._domainkey.example.test.", ed_key().record}}),
                   "records.json"),
          key_file_("rsa._domainkey.example.test " + rsa_key().record +
                        "\ned._domainkey.example.test " + ed_key().record + "\n",
                    "keys.txt"),
          opendkim_(key_file_.path().string()) {}

    // python3-dkim's verdict on every signature of every message.
    std::vector<std::vector<bool>> python(const std::vector<std::string>& messages) const {
        std::vector<std::unique_ptr<test::temp_file>> files;
        std::vector<std::string> args{records_.path().string()};
        for (const auto& m : messages) {
            files.push_back(std::make_unique<test::temp_file>(m));
            args.push_back(files.back()->path().string());
        }
        auto r = test::run_python("dkim/dkim_verify.py", args);
        if (r.exit_code != 0) throw std::runtime_error("dkim_verify.py failed");
        std::vector<std::vector<bool>> out;
        const auto doc = json::parse(r.out);
        for (const auto& v : doc.as_array()) {
            std::vector<bool> verdicts;
            for (const auto& b : v.as_object().at("results").as_array())
                verdicts.push_back(b.as_bool());
            EXPECT_EQ(static_cast<std::size_t>(v.as_object().at("signatures").as_int64()),
                      verdicts.size());
            out.push_back(std::move(verdicts));
        }
        return out;
    }

    std::vector<bool> opendkim(std::string_view message) const { return opendkim_.verify(message); }

    // Every message has `sigs` signatures and both verifiers pass them all.
    void expect_all_pass(const std::vector<std::string>& messages, std::size_t sigs) const {
        const auto py = python(messages);
        ASSERT_EQ(py.size(), messages.size());
        for (std::size_t i = 0; i < messages.size(); ++i) {
            EXPECT_EQ(py[i], std::vector<bool>(sigs, true)) << "python3-dkim\n" << messages[i];
            EXPECT_EQ(opendkim(messages[i]), std::vector<bool>(sigs, true)) << "libopendkim\n"
                                                                            << messages[i];
        }
    }

    void expect_all_fail(const std::vector<std::string>& messages) const {
        const auto py = python(messages);
        for (std::size_t i = 0; i < messages.size(); ++i) {
            EXPECT_EQ(std::count(py[i].begin(), py[i].end(), true), 0) << messages[i];
            const auto od = opendkim(messages[i]);
            EXPECT_FALSE(od.empty());
            EXPECT_EQ(std::count(od.begin(), od.end(), true), 0) << messages[i];
        }
    }

private:
    test::temp_file records_, key_file_;
    test::opendkim_verifier opendkim_;
};

const verifiers& verify() {
    static const verifiers v;
    return v;
}

// ---- signers and messages -------------------------------------------------------

const dkim_signer& reference() {
    static const auto s = must(make_signer(signer_kind::opendkim, {}, k_clock));
    return *s;
}

const dkim_signer& cached() {
    static const auto s = must(make_signer(signer_kind::cached_key, {}, k_clock));
    return *s;
}

std::string signed_by(const dkim_signer& s, const std::string& message, const test_key& key) {
    const auto selector = key.parsed->algorithm() == dkim_algorithm::rsa_sha256 ? "rsa" : "ed";
    auto field = s.sign(message, "example.test", selector, *key.parsed);
    if (!field) throw std::runtime_error(field.error().to_string());
    return *field + message;
}

std::string rendered(email_message m) {
    if (m.from.empty()) m.from = "Shop <shop@example.test>";
    if (m.to.empty()) m.to = {"ann@example.org"};
    mime::render_options o;
    o.message_id = "1795679092742-0-e3";
    o.unsubscribe_url = "https://example.test/u/1";
    auto r = mime::render(m, o, k_clock);
    if (!r) throw std::runtime_error(r.error().to_string());
    return std::move(r->data);
}

// Whitespace everywhere relaxed canonicalisation cares about.
const std::string k_raw_spaced =
    "From: Sender <sender@example.test>\r\n"
    "To:   rcpt@example.org  \r\n"
    "Subject:  spaced   \t out \r\n"
    "   continued\t here \r\n"
    "Date: Thu, 26 Nov 2026 07:44:52 +0000\r\n"
    "Message-ID: <x@example.test>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "line  with   spaces \t \r\n"
    "\t leading tab\r\n"
    "\r\n"
    "\r\n"
    "trailing blank lines follow\r\n"
    "\r\n"
    "\r\n";

std::map<std::string, std::string> corpus() {
    std::map<std::string, std::string> c;
    email_message m;
    m.subject = "8-bit";
    m.text = "Grüße aus Köln — ünïcödé\n";
    m.html = "<p>Grüße</p>";
    c["8bit"] = rendered(m);

    m = {};
    m.subject = "long lines";
    m.text = std::string(2000, 'a') + "\n" + std::string(500, 'b');
    m.html = "<p>" + std::string(5000, 'c') + "</p>";
    c["long_lines"] = rendered(m);

    m = {};
    m.subject = "attachments";
    m.html = "<img src=\"cid:logo\">";
    m.attachments = {{"logo.png", "image/png", "iVBORw0KGgo=", "logo"},
                     {"data.bin", "application/octet-stream", std::string(3000, 'Q'), ""}};
    c["attachments"] = rendered(m);

    m = {};
    for (int i = 0; i < 30; ++i)
        m.to.push_back("Recipient " + std::to_string(i) + " <r" + std::to_string(i) +
                       "@example.org>");
    m.subject = "A folded subject " + std::string(60, 's') + " that goes on past the fold";
    m.headers = {{"X-Long", std::string(100, 'x') + " " + std::string(100, 'y')}};
    m.text = "folded headers\n";
    c["folded_headers"] = rendered(m);

    m = {};
    m.from = "Zoë Café <zoe@example.test>";
    m.subject = "注文が発送されました 🎉 Grüße";
    m.text = "hi\n";
    c["non_ascii_subject"] = rendered(m);

    m = {};
    c["empty_body"] = rendered(m);
    c["empty_raw"] = "From: a@example.test\r\nTo: b@example.org\r\nSubject: empty\r\n\r\n";
    c["spaced_raw"] = k_raw_spaced;
    return c;
}

std::vector<std::string> all(const std::map<std::string, std::string>& c) {
    std::vector<std::string> out;
    for (const auto& [name, msg] : c)
        out.push_back(msg);
    return out;
}

// The value of tag `t` in a DKIM-Signature field, whitespace removed.
std::string tag(std::string_view field, std::string_view t) {
    std::string flat;
    for (char c : field.substr(field.find(':') + 1))
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') flat += c;
    for (std::size_t at = 0; at < flat.size();) {
        auto end = flat.find(';', at);
        if (end == std::string::npos) end = flat.size();
        const auto item = std::string_view(flat).substr(at, end - at);
        if (item.starts_with(std::string(t) + "=")) return std::string(item.substr(t.size() + 1));
        at = end + 1;
    }
    return "<absent>";
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// ---- tests --------------------------------------------------------------------------

TEST(dkim_key, parses_rsa_and_ed25519_and_publishes_the_record) {
    EXPECT_EQ(rsa_key().parsed->algorithm(), dkim_algorithm::rsa_sha256);
    EXPECT_EQ(rsa_key().parsed->bits(), 2048);
    EXPECT_EQ(rsa_key().parsed->dns_record(), rsa_key().record);
    EXPECT_EQ(ed_key().parsed->algorithm(), dkim_algorithm::ed25519_sha256);
    EXPECT_EQ(ed_key().parsed->dns_record(), ed_key().record);
}

TEST(dkim_key, refuses_what_cannot_sign) {
    EXPECT_EQ(dkim_key::parse("not a key").error().name(), "dkim_invalid_key");
    EXPECT_EQ(dkim_key::parse("").error().name(), "dkim_invalid_key");
    EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{512});
    EXPECT_EQ(dkim_key::parse(pem_of(small)).error().name(), "dkim_invalid_key") << "512 bits";
    EVP_PKEY_free(small);
    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    EXPECT_EQ(dkim_key::parse(pem_of(ec)).error().name(), "dkim_invalid_key") << "EC";
    EVP_PKEY_free(ec);
    EXPECT_EQ(dkim_key::parse("x").error().http_status(), 500);
}

TEST(key_cache, parses_once_notices_rotation_and_stays_bounded) {
    key_cache cache(2);
    auto a = must(cache.get("acme/example.test/rsa", rsa_key().pem));
    EXPECT_EQ(a.get(), must(cache.get("acme/example.test/rsa", rsa_key().pem)).get());
    auto rotated = must(cache.get("acme/example.test/rsa", ed_key().pem));
    EXPECT_NE(a.get(), rotated.get());
    EXPECT_EQ(rotated->algorithm(), dkim_algorithm::ed25519_sha256);
    must(cache.get("b", rsa_key().pem));
    must(cache.get("c", rsa_key().pem));
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.get("d", "garbage").error().name(), "dkim_invalid_key");
}

TEST(dkim_canon, matches_the_rfc_6376_example) {
    // RFC 6376 §3.4.5.
    const std::string msg = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
    auto parts = must(split_message(msg));
    ASSERT_EQ(parts.headers.size(), 2u);
    std::string h;
    for (const auto& f : parts.headers) {
        append_relaxed_header(h, f.raw);
        h += "\r\n";
    }
    EXPECT_EQ(h, "a:X\r\nb:Y Z\r\n");
    std::string body;
    relaxed_body(parts.body, [&](std::string_view p) { body += p; });
    EXPECT_EQ(body, " C\r\nD E\r\n");
    body.clear();
    relaxed_body("\r\n\r\n", [&](std::string_view p) { body += p; });
    EXPECT_EQ(body, "") << "an empty body stays empty under relaxed";
    relaxed_body("no newline", [&](std::string_view p) { body += p; });
    EXPECT_EQ(body, "no newline\r\n");
}

TEST(dkim_canon, selects_instances_bottom_up_and_oversigns) {
    const std::string msg = "To: a\r\nFrom: f\r\nTo: b\r\n\r\n";
    const auto parts = must(split_message(msg));
    const auto s = select_headers(parts.headers, {"from", "to", "cc"}, {"from"});
    EXPECT_EQ(s.names, (std::vector<std::string_view>{"from", "to", "to", "from"}));
    EXPECT_EQ(s.raws, (std::vector<std::string_view>{"From: f", "To: b", "To: a"}));
    EXPECT_FALSE(split_message("no colon here\r\n\r\n"));
    EXPECT_FALSE(split_message(" continuation first: x\r\n\r\n"));
}

TEST(dkim, every_signature_of_both_signers_verifies_independently) {
    std::vector<std::string> messages;
    for (const auto& [name, msg] : corpus())
        for (const auto* signer : {&reference(), &cached()})
            for (const auto* key : {&rsa_key(), &ed_key()})
                messages.push_back(signed_by(*signer, msg, *key));
    verify().expect_all_pass(messages, 1);
}

// RFC 6532: UTF-8 local parts raw in From and To (signed fields) and in
// Cc and Reply-To, beside encoded words and a quoted-printable body.
TEST(dkim, a_message_with_utf8_addresses_verifies_independently) {
    email_message m;
    m.from = "Zoë <zoë@example.test>";
    m.to = {"Jürgen <jürgen@example.org>", "\"δοκιμή x\"@example.org"};
    m.cc = {"用户@例子.test"};
    m.reply_to = "støtte@example.test";
    m.subject = "Grüße an Jürgen";
    m.text = "Grüße\n";
    const auto msg = rendered(m);
    ASSERT_NE(msg.find("<jürgen@example.org>"), std::string::npos) << "raw UTF-8 in To";
    std::vector<std::string> messages;
    for (const auto* signer : {&reference(), &cached()})
        for (const auto* key : {&rsa_key(), &ed_key()})
            messages.push_back(signed_by(*signer, msg, *key));
    verify().expect_all_pass(messages, 1);
    // A changed UTF-8 octet in a signed field breaks every signature.
    std::vector<std::string> tampered;
    for (auto t : messages) {
        const std::string original = "jürgen@";
        t.replace(t.find(original), original.size(), "jurgen@");
        tampered.push_back(std::move(t));
    }
    verify().expect_all_fail(tampered);
}

TEST(dkim, rsa_and_ed25519_dual_signatures_both_verify) {
    std::vector<std::string> messages;
    for (const auto& msg : all(corpus())) {
        const signing_key keys[] = {{"example.test", "rsa", *rsa_key().parsed},
                                    {"example.test", "ed", *ed_key().parsed}};
        for (const auto* signer : {&reference(), &cached()})
            messages.push_back(must(sign_all(*signer, msg, keys)) + msg);
    }
    verify().expect_all_pass(messages, 2);
}

TEST(dkim, both_signers_agree_on_body_hash_and_signed_fields) {
    for (const auto& [name, msg] : corpus()) {
        const auto a = must(reference().sign(msg, "example.test", "rsa", *rsa_key().parsed));
        const auto b = must(cached().sign(msg, "example.test", "rsa", *rsa_key().parsed));
        EXPECT_EQ(tag(a, "bh"), tag(b, "bh")) << name;
        EXPECT_EQ(tag(a, "c"), "relaxed/relaxed");
        EXPECT_EQ(tag(b, "c"), "relaxed/relaxed");
        EXPECT_EQ(tag(b, "a"), "rsa-sha256");
        auto names = [](std::string h) {
            std::vector<std::string> v;
            for (std::size_t at = 0, next;; at = next + 1) {
                next = h.find(':', at);
                v.push_back(lower(h.substr(at, next - at)));
                if (next == std::string::npos) break;
            }
            std::sort(v.begin(), v.end());
            return v;
        };
        EXPECT_EQ(names(tag(a, "h")), names(tag(b, "h"))) << name;
        const auto signed_b = names(tag(b, "h"));
        EXPECT_EQ(std::count(signed_b.begin(), signed_b.end(), "from"), 2) << "From is oversigned";
    }
}

TEST(dkim, signature_fields_are_folded_within_78_columns) {
    for (const auto& msg : all(corpus())) {
        for (const auto* key : {&rsa_key(), &ed_key()}) {
            const auto selector = key == &rsa_key() ? "rsa" : "ed";
            const auto field = must(cached().sign(msg, "example.test", selector, *key->parsed));
            ASSERT_TRUE(field.ends_with("\r\n"));
            for (std::size_t at = 0, next; (next = field.find("\r\n", at)) != std::string::npos;
                 at = next + 2)
                EXPECT_LE(next - at, 78u) << field.substr(at, next - at);
        }
    }
}

TEST(dkim, tampering_breaks_every_signature) {
    const auto msg = corpus()["8bit"];
    std::vector<std::string> tampered, harmless;
    for (const auto* signer : {&reference(), &cached()}) {
        for (const auto* key : {&rsa_key(), &ed_key()}) {
            const auto s = signed_by(*signer, msg, *key);
            auto body = s;
            body[body.size() - 10] ^= 1;  // one bit of the body
            tampered.push_back(body);
            auto subject = s;
            subject.replace(subject.find("Subject: 8-bit"), 14, "Subject: 9-bit");
            tampered.push_back(subject);
            tampered.push_back("From: intruder@example.net\r\n" + s);  // From is oversigned
            auto appended = s;
            appended.insert(appended.size() - 2, "extra line\r\n");
            tampered.push_back(appended);
            harmless.push_back("X-Added-Later: fine\r\n" + s);
        }
    }
    verify().expect_all_fail(tampered);
    verify().expect_all_pass(harmless, 1);
}

TEST(dkim, signing_from_many_threads_with_one_signer_and_key) {
    const auto base = all(corpus());
    constexpr int k_threads = 8, k_each = 12;
    std::vector<std::vector<std::string>> out(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            const auto& signer = t % 2 ? cached() : reference();
            for (int i = 0; i < k_each; ++i) {
                const auto& msg = base[static_cast<std::size_t>(t + i) % base.size()];
                out[static_cast<std::size_t>(t)].push_back(
                    signed_by(signer, msg, i % 3 ? rsa_key() : ed_key()));
            }
        });
    }
    for (auto& th : threads)
        th.join();
    std::vector<std::string> messages;
    for (auto& v : out)
        messages.insert(messages.end(), v.begin(), v.end());
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(k_threads * k_each));
    verify().expect_all_pass(messages, 1);
}

TEST(dkim, a_custom_header_list_signs_every_instance) {
    signer_options o;
    o.sign_headers = {"From", "X-Dup", "Subject"};
    o.oversign_headers = {"From", "Subject"};
    const cached_key_signer signer(o, k_clock);
    const std::string msg =
        "From: a@example.test\r\nX-Dup: one\r\nSubject: s\r\nX-Dup: two\r\n\r\nbody\r\n";
    const auto s = signed_by(signer, msg, rsa_key());
    EXPECT_EQ(tag(s, "h"), "From:X-Dup:X-Dup:Subject:From:Subject");
    verify().expect_all_pass({s}, 1);
    auto changed = s;
    changed.replace(changed.find("X-Dup: one"), 10, "X-Dup: One");
    verify().expect_all_fail({changed});
}

TEST(dkim, refuses_bad_domains_selectors_and_configurations) {
    for (const auto* signer : {&reference(), &cached()}) {
        for (const auto& [d, s] :
             std::vector<std::pair<std::string, std::string>>{{"", "rsa"},
                                                              {"exa mple.test", "rsa"},
                                                              {"example.test", "a;b"},
                                                              {"example.test", ""},
                                                              {"example.test; x=1", "rsa"},
                                                              {"bücher.example", "rsa"}}) {
            const auto r = signer->sign(corpus()["8bit"], d, s, *rsa_key().parsed);
            ASSERT_FALSE(r) << d << " " << s;
            EXPECT_EQ(r.error().name(), "dkim_invalid_key");
        }
    }
    signer_options other;
    other.sign_headers = {"From"};
    (void)reference();  // the process's libopendkim handle exists with the defaults
    const auto r = make_signer(signer_kind::opendkim, other, k_clock);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "dkim_failed");
    EXPECT_TRUE(make_signer(signer_kind::opendkim, {}, k_clock));
}

}  // namespace
}  // namespace herald::dkim
