// One SMTP session against the capturing aiosmtpd server on 127.0.0.1:
// content byte-exact (dot-stuffing round trip, 8-bit, bodies over one
// block), SIZE and BODY=8BITMIME, pipelining on and off, per-recipient
// outcomes, SMTPUTF8 offered and not, AUTH PLAIN and LOGIN, STARTTLS
// verified and refused, and the two failures that matter most: a hang
// after the final dot (unknown) and a close before it (deferred).
#include "smtp/session.hpp"
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

namespace herald::smtp {
namespace {

using namespace std::chrono_literals;
using test::capture_server;

struct attempt {
    std::optional<failure> open_failed;
    std::vector<send_result> sent;
    bool tls = false;
    extensions ext;
};

// Opens a session, sends each message in turn on it, QUITs.
asio::awaitable<attempt> run_session(destination d, session_options o,
                                     std::vector<std::string> messages, envelope env) {
    auto ex = co_await asio::this_coro::executor;
    auto ctx = make_tls_context(o.tls);
    if (!ctx) throw std::runtime_error(ctx.error().to_string());
    session s(ex, d, o, *ctx);
    attempt a;
    auto opened = co_await s.open();
    if (!opened) {
        a.open_failed = opened.error();
        co_return a;
    }
    a.tls = s.tls_active();
    a.ext = s.peer();
    for (const auto& m : messages) {
        if (!a.sent.empty() && s.usable()) {
            auto r = co_await s.reset();
            if (!r) throw std::runtime_error("RSET failed");
        }
        auto sent = co_await s.send(env, m);
        a.sent.push_back(std::move(sent));
    }
    co_await s.quit();
    co_return a;
}

class SessionTest : public ::testing::Test {
protected:
    static session_options plain() {
        session_options o;
        o.helo_name = "client.herald.test";
        o.tls.mode = tls_mode::none;
        o.limits = timeouts::all(5s);
        return o;
    }
    static destination at(const capture_server& s, std::string host = "capture.herald.test") {
        return {std::move(host), asio::ip::make_address("127.0.0.1"), s.port()};
    }
    attempt send(const capture_server& srv, session_options o, std::vector<std::string> messages,
                 envelope env = {"sender@example.com", {"rcpt@example.net"}},
                 std::string host = "capture.herald.test") {
        return test::run(ioc_, run_session(at(srv, std::move(host)), std::move(o),
                                           std::move(messages), std::move(env)));
    }
    attempt send_one(const capture_server& srv, session_options o, std::string message) {
        return send(srv, std::move(o), {std::move(message)});
    }

    asio::io_context ioc_;
};

std::vector<std::string> strings(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array())
        out.emplace_back(s.as_string());
    return out;
}

// A message that needs every kind of transparency.
std::string tricky_message() {
    return "From: a@example.com\r\nTo: b@example.net\r\nSubject: dots\r\n\r\n"
           ".leading dot\r\n"
           ".\r\n"
           "..two dots\r\n"
           "line with . inside\r\n"
           "caf\xc3\xa9 8-bit\r\n" +
           std::string(990, 'x') + "\r\n.\r\n";
}

// ---- content ------------------------------------------------------------------

TEST_F(SessionTest, ContentArrivesByteExactWithSizeAnd8BitMime) {
    capture_server srv;
    const auto msg = tricky_message();
    auto a = send_one(srv, plain(), msg);
    ASSERT_FALSE(a.open_failed) << explain(*a.open_failed, "capture");
    ASSERT_EQ(a.sent.size(), 1u);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered) << a.sent[0].detail;
    EXPECT_EQ(a.sent[0].code, "smtp_2xx");
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].content, msg);
    auto opts = strings(got[0].meta.at("mail_options"));
    EXPECT_EQ(opts,
              (std::vector<std::string>{"SIZE=" + std::to_string(msg.size()), "BODY=8BITMIME"}));
    EXPECT_EQ(got[0].meta.at("mail_from").as_string(), "sender@example.com");
}

TEST_F(SessionTest, SevenBitMessageHasNoBodyParameterAndGetsItsFinalCrlf) {
    capture_server srv;
    auto a = send_one(srv, plain(), "Subject: no final line end\r\n\r\nbody");
    ASSERT_FALSE(a.open_failed);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].content, "Subject: no final line end\r\n\r\nbody\r\n");
    EXPECT_EQ(strings(got[0].meta.at("mail_options")), std::vector<std::string>{"SIZE=34"});
}

TEST_F(SessionTest, LargeBodyOverManyBlocksArrivesExact) {
    capture_server srv;
    std::string msg = "Subject: big\r\n\r\n";
    for (int i = 0; msg.size() < 300 * 1024; ++i)
        msg += (i % 7 == 0 ? "." : "") + std::to_string(i) + std::string(70, 'y') + "\r\n";
    auto a = send_one(srv, plain(), msg);
    ASSERT_FALSE(a.open_failed);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].content == msg) << "content differs";
}

// ---- pipelining ----------------------------------------------------------------

TEST_F(SessionTest, PipelinesWhenOfferedAndAllowed) {
    capture_server srv({"--pipelining"});
    auto a = send_one(srv, plain(), tricky_message());
    ASSERT_FALSE(a.open_failed);
    EXPECT_TRUE(a.ext.pipelining);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].meta.at("pipelined").as_bool());
    EXPECT_EQ(got[0].content, tricky_message());
}

TEST_F(SessionTest, PipeliningSwitchedOff) {
    capture_server srv({"--pipelining"});
    auto o = plain();
    o.pipelining = false;
    auto a = send_one(srv, o, tricky_message());
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].meta.at("pipelined").as_bool());
}

TEST_F(SessionTest, OverAHundredRecipientsAreNotPipelined) {
    capture_server srv({"--pipelining"});
    envelope env{"s@example.com", {}};
    for (int i = 0; i < 150; ++i)
        env.rcpt_to.push_back("r" + std::to_string(i) + "@example.net");
    auto a = send(srv, plain(), {"Subject: many\r\n\r\nx\r\n"}, env);
    ASSERT_EQ(a.sent.size(), 1u);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    EXPECT_EQ(a.sent[0].recipients.size(), 150u);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].meta.at("pipelined").as_bool());
    EXPECT_EQ(got[0].meta.at("rcpt_tos").as_array().size(), 150u);
}

// ---- recipients ----------------------------------------------------------------

TEST_F(SessionTest, OneOfThreeRecipientsBouncesWithAndWithoutPipelining) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        capture_server srv({"--pipelining", "--reject",
                            "b@example.net=550 5.1.1 <b@example.net>: Recipient address rejected"});
        auto o = plain();
        o.pipelining = pipelining;
        envelope env{"s@example.com", {"a@example.net", "b@example.net", "c@example.net"}};
        auto a = send(srv, o, {"Subject: x\r\n\r\nhi\r\n"}, env);
        ASSERT_EQ(a.sent.size(), 1u);
        const auto& r = a.sent[0];
        ASSERT_EQ(r.recipients.size(), 3u);
        EXPECT_EQ(r.recipients[0].kind, outcome_kind::delivered);
        EXPECT_EQ(r.recipients[1].kind, outcome_kind::bounced);
        EXPECT_EQ(r.recipients[1].reply_code, 550);
        EXPECT_EQ(r.recipients[1].status, "5.1.1");
        EXPECT_TRUE(r.recipients[1].suppress);
        EXPECT_NE(r.recipients[1].detail.find("in reply to RCPT TO"), std::string::npos);
        EXPECT_EQ(r.recipients[2].kind, outcome_kind::delivered);
        EXPECT_EQ(r.kind, outcome_kind::delivered);
        auto got = srv.messages();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(strings(got[0].meta.at("rcpt_tos")),
                  (std::vector<std::string>{"a@example.net", "c@example.net"}));
    }
}

TEST_F(SessionTest, AllRecipientsRefusedSendsNothingAndKeepsTheConnection) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        capture_server srv({"--pipelining", "--reject", "x@example.net=450 4.2.1 busy"});
        auto o = plain();
        o.pipelining = pipelining;
        envelope env{"s@example.com", {"x@example.net"}};
        auto a = send(srv, o, {"Subject: 1\r\n\r\n1\r\n", "Subject: 2\r\n\r\n2\r\n"}, env);
        ASSERT_EQ(a.sent.size(), 2u);
        EXPECT_EQ(a.sent[0].kind, outcome_kind::deferred);
        EXPECT_EQ(a.sent[0].code, "smtp_4xx");
        EXPECT_FALSE(a.sent[0].recipients[0].suppress);
        EXPECT_EQ(a.sent[1].kind, outcome_kind::deferred);  // same session, after RSET
        EXPECT_TRUE(srv.messages().empty());
        EXPECT_EQ(srv.state_value("connections"), 1);
    }
}

TEST_F(SessionTest, MessageOverThePeersSizeIsRefusedBeforeSending) {
    capture_server srv({"--size", "1000"});
    auto a = send(srv, plain(), {std::string(2000, 'x') + "\r\n", "Subject: small\r\n\r\nok\r\n"});
    ASSERT_EQ(a.sent.size(), 2u);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::bounced);
    EXPECT_EQ(a.sent[0].code, "peer_size_exceeded");
    EXPECT_EQ(a.sent[1].kind, outcome_kind::delivered);
    EXPECT_EQ(srv.messages().size(), 1u);
}

TEST_F(SessionTest, UnsafeAddressesAreNeverSent) {
    capture_server srv;
    envelope env{"s@example.com", {"a@example.net>\r\nRCPT TO:<evil@example.org"}};
    auto a = send(srv, plain(), {"Subject: x\r\n\r\nx\r\n"}, env);
    ASSERT_EQ(a.sent.size(), 1u);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::bounced);
    EXPECT_EQ(a.sent[0].code, "invalid_envelope");
    EXPECT_TRUE(srv.messages().empty());
}

// ---- SMTPUTF8 (RFC 6531) ----------------------------------------------------------

// An RFC 6532 message: UTF-8 addresses in its header fields.
const std::string k_utf8_message =
    "From: Zo\xc3\xab <zo\xc3\xab@example.com>\r\nTo: j\xc3\xbcrgen@dest.test, ann@example.net\r\n"
    "Subject: utf8\r\nMIME-Version: 1.0\r\n\r\n.hello\r\n";
const std::string k_ascii_message = "Subject: x\r\n\r\nx\r\n";
const std::string k_ascii_size = "SIZE=" + std::to_string(k_ascii_message.size());

TEST_F(SessionTest, Smtputf8PeerGetsTheMessageByteExactWithSmtputf8OnMailFrom) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        capture_server srv({"--smtputf8", "--pipelining"});
        auto o = plain();
        o.pipelining = pipelining;
        envelope env{"zo\xc3\xab@example.com", {"j\xc3\xbcrgen@dest.test", "ann@example.net"}};
        env.utf8_headers = true;
        auto a = send(srv, o, {k_utf8_message}, env);
        ASSERT_FALSE(a.open_failed);
        EXPECT_TRUE(a.ext.smtputf8);
        ASSERT_EQ(a.sent.size(), 1u);
        EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered) << a.sent[0].detail;
        auto got = srv.messages();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].content, k_utf8_message);
        EXPECT_EQ(strings(got[0].meta.at("mail_options")),
                  (std::vector<std::string>{"SIZE=" + std::to_string(k_utf8_message.size()),
                                            "BODY=8BITMIME", "SMTPUTF8"}));
        EXPECT_TRUE(got[0].meta.at("smtputf8").as_bool());
        EXPECT_EQ(got[0].meta.at("mail_from").as_string(), "zo\xc3\xab@example.com");
        EXPECT_EQ(strings(got[0].meta.at("rcpt_tos")),
                  (std::vector<std::string>{"j\xc3\xbcrgen@dest.test", "ann@example.net"}));
    }
}

TEST_F(SessionTest, Smtputf8IsDeclaredOnlyWhenTheMessageNeedsIt) {
    capture_server srv({"--smtputf8"});
    // A UTF-8 address in the envelope alone (a Bcc) still needs it.
    envelope bcc{"s@example.com", {"j\xc3\xbcrgen@dest.test"}};
    auto a = send(srv, plain(), {k_ascii_message}, bcc);
    envelope ascii{"s@example.com", {"ann@example.net"}};
    auto b = send(srv, plain(), {k_ascii_message}, ascii);
    EXPECT_EQ(a.sent.at(0).kind, outcome_kind::delivered);
    EXPECT_EQ(b.sent.at(0).kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(strings(got[0].meta.at("mail_options")),
              (std::vector<std::string>{k_ascii_size, "SMTPUTF8"}));
    EXPECT_EQ(strings(got[1].meta.at("mail_options")), std::vector<std::string>{k_ascii_size});
}

TEST_F(SessionTest, WithoutSmtputf8TheUtf8RecipientBouncesAndTheAsciiOneIsDelivered) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        capture_server srv({"--no-smtputf8", "--pipelining"});
        auto o = plain();
        o.pipelining = pipelining;
        envelope env{"s@example.com", {"j\xc3\xbcrgen@dest.test", "ann@example.net"}};
        auto a = send(srv, o, {k_ascii_message, k_ascii_message}, env);
        EXPECT_FALSE(a.ext.smtputf8);
        ASSERT_EQ(a.sent.size(), 2u);
        for (const auto& r : a.sent) {
            ASSERT_EQ(r.recipients.size(), 2u);
            EXPECT_EQ(r.recipients[0].address, "j\xc3\xbcrgen@dest.test");
            EXPECT_EQ(r.recipients[0].kind, outcome_kind::bounced);
            EXPECT_EQ(r.recipients[0].code, "smtputf8_unsupported");
            EXPECT_EQ(r.recipients[0].why, (verdict{scope::recipient, severity::permanent}));
            EXPECT_FALSE(r.recipients[0].suppress);
            EXPECT_NE(r.recipients[0].detail.find("needs SMTPUTF8"), std::string::npos)
                << r.recipients[0].detail;
            EXPECT_EQ(r.recipients[1].kind, outcome_kind::delivered) << r.recipients[1].detail;
            EXPECT_EQ(r.kind, outcome_kind::delivered);
            EXPECT_TRUE(r.retry_recipients().empty());
        }
        auto got = srv.messages();
        ASSERT_EQ(got.size(), 2u) << "both messages, on one connection";
        for (const auto& m : got) {
            EXPECT_EQ(strings(m.meta.at("rcpt_tos")), std::vector<std::string>{"ann@example.net"});
            EXPECT_EQ(strings(m.meta.at("mail_options")), std::vector<std::string>{k_ascii_size});
        }
        EXPECT_EQ(srv.state_value("connections"), 1);
    }
}

TEST_F(SessionTest, WithoutSmtputf8AUtf8SenderOrUtf8HeadersBounceTheWholeMessage) {
    capture_server srv;  // the default: no SMTPUTF8
    envelope sender{"zo\xc3\xab@example.com", {"ann@example.net", "bob@example.net"}};
    envelope headers{"s@example.com", {"ann@example.net"}};
    headers.utf8_headers = true;
    envelope nobody{"s@example.com", {"j\xc3\xbcrgen@dest.test"}};
    for (const auto& env : {sender, headers, nobody}) {
        auto a = send(srv, plain(), {k_utf8_message, k_ascii_message}, env);
        ASSERT_EQ(a.sent.size(), 2u);
        for (const auto& r : a.sent) {
            EXPECT_EQ(r.kind, outcome_kind::bounced);
            EXPECT_EQ(r.code, "smtputf8_unsupported");
            for (const auto& rr : r.recipients)
                EXPECT_EQ(rr.kind, outcome_kind::bounced) << rr.address;
        }
        const auto reach = a.sent[0].recipients[0].why->reach;
        EXPECT_EQ(reach, env.rcpt_to.size() == 1 && env.rcpt_to[0].starts_with("j")
                             ? scope::recipient
                             : scope::message);
    }
    EXPECT_TRUE(srv.messages().empty()) << "no UTF-8 byte was offered to the peer";
    EXPECT_EQ(srv.state_value("quits"), 3) << "every connection stayed usable to the end";
}

// ---- the two failures that decide duplicates -------------------------------------

TEST_F(SessionTest, HangAfterTheFinalDotIsUnknownNotDeferred) {
    capture_server srv({"--hang-after-dot"});
    auto o = plain();
    o.limits.data_done = 300ms;
    const auto start = std::chrono::steady_clock::now();
    auto a = send_one(srv, o, "Subject: x\r\n\r\nx\r\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    ASSERT_EQ(a.sent.size(), 1u);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::unknown);
    EXPECT_EQ(a.sent[0].code, "timeout");
    EXPECT_NE(a.sent[0].detail.find("may already be delivered"), std::string::npos);
    EXPECT_TRUE(a.sent[0].retry_recipients().empty());
    EXPECT_EQ(to_outcome(a.sent[0]).kind, outcome_kind::unknown);
}

TEST_F(SessionTest, CloseBeforeTheFinalDotIsDeferred) {
    for (bool pipelining : {true, false}) {
        SCOPED_TRACE(pipelining ? "pipelined" : "one by one");
        capture_server srv({"--pipelining", "--close-at-data"});
        auto o = plain();
        o.pipelining = pipelining;
        auto a = send_one(srv, o, "Subject: x\r\n\r\nx\r\n");
        ASSERT_EQ(a.sent.size(), 1u);
        EXPECT_EQ(a.sent[0].kind, outcome_kind::deferred);
        EXPECT_EQ(a.sent[0].code, "connection_lost");
        EXPECT_EQ(a.sent[0].recipients[0].why, (verdict{scope::connection, severity::transient}));
        EXPECT_EQ(a.sent[0].retry_recipients().size(), 1u);
    }
}

// ---- STARTTLS ----------------------------------------------------------------------

class TlsTest : public SessionTest {
protected:
    session_options tls(tls_mode mode, std::filesystem::path ca) {
        auto o = plain();
        o.tls = {mode, true, ca.string()};
        return o;
    }
    std::vector<std::string> tls_flags() const {
        return {"--tls", ca_.cert_file().string(), ca_.key_file().string()};
    }
    test::test_ca ca_;
};

TEST_F(TlsTest, RequiredAndVerified) {
    capture_server srv(tls_flags());
    auto a = send(srv, tls(tls_mode::required, ca_.ca_file()), {"Subject: tls\r\n\r\nx\r\n"},
                  {"s@example.com", {"r@example.net"}}, test::test_ca::host);
    ASSERT_FALSE(a.open_failed) << explain(*a.open_failed, "capture");
    EXPECT_TRUE(a.tls);
    EXPECT_FALSE(a.ext.starttls);  // the EHLO after TLS no longer offers it
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].meta.at("tls").as_bool());
}

TEST_F(TlsTest, VerifiedAgainstAnAddressLiteral) {
    capture_server srv(tls_flags());
    auto a = send(srv, tls(tls_mode::required, ca_.ca_file()), {"Subject: ip\r\n\r\nx\r\n"},
                  {"s@example.com", {"r@example.net"}}, "127.0.0.1");
    ASSERT_FALSE(a.open_failed) << explain(*a.open_failed, "capture");
    EXPECT_TRUE(a.tls);
}

TEST_F(TlsTest, HostNameMismatchIsRefused) {
    capture_server srv(tls_flags());
    auto a = send(srv, tls(tls_mode::required, ca_.ca_file()), {"x\r\n"},
                  {"s@example.com", {"r@example.net"}}, "other.herald.test");
    ASSERT_TRUE(a.open_failed);
    EXPECT_EQ(a.open_failed->code, smtp_errc::tls_verify_failed);
    EXPECT_NE(a.open_failed->detail.find("hostname mismatch"), std::string::npos)
        << a.open_failed->detail;
    EXPECT_EQ(classify(*a.open_failed), (verdict{scope::destination, severity::transient}));
    EXPECT_TRUE(srv.messages().empty());
}

TEST_F(TlsTest, UnknownCaIsRefusedEvenWhenOpportunistic) {
    capture_server srv(tls_flags());
    for (auto mode : {tls_mode::required, tls_mode::opportunistic}) {
        auto a = send(srv, tls(mode, ca_.other_ca_file()), {"x\r\n"},
                      {"s@example.com", {"r@example.net"}}, test::test_ca::host);
        ASSERT_TRUE(a.open_failed);
        EXPECT_EQ(a.open_failed->code, smtp_errc::tls_verify_failed);
        EXPECT_NE(a.open_failed->detail.find("unable to get local issuer certificate"),
                  std::string::npos)
            << a.open_failed->detail;
    }
    EXPECT_TRUE(srv.messages().empty());
}

TEST_F(TlsTest, RequiredButNotOfferedFails) {
    capture_server srv;  // no --tls: no STARTTLS
    auto a = send(srv, tls(tls_mode::required, ca_.ca_file()), {"x\r\n"});
    ASSERT_TRUE(a.open_failed);
    EXPECT_EQ(a.open_failed->code, smtp_errc::tls_unavailable);
    EXPECT_TRUE(srv.messages().empty());
}

TEST_F(TlsTest, OpportunisticGoesOnInPlainTextWhenNotOffered) {
    capture_server srv;
    auto a = send(srv, tls(tls_mode::opportunistic, ca_.ca_file()), {"Subject: p\r\n\r\nx\r\n"});
    ASSERT_FALSE(a.open_failed);
    EXPECT_FALSE(a.tls);
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
}

// ---- AUTH ----------------------------------------------------------------------------

TEST_F(TlsTest, AuthPlainAndLoginOverTls) {
    for (std::string mech : {"PLAIN", "LOGIN"}) {
        SCOPED_TRACE(mech);
        auto flags = tls_flags();
        flags.insert(flags.end(), {"--auth", "relay-user:s3cret pass", "--auth-mechanisms", mech});
        capture_server srv(flags);
        auto o = tls(tls_mode::required, ca_.ca_file());
        o.auth = credentials{"relay-user", "s3cret pass"};
        auto a = send(srv, o, {"Subject: auth\r\n\r\nx\r\n"}, {"s@example.com", {"r@example.net"}},
                      test::test_ca::host);
        ASSERT_FALSE(a.open_failed) << explain(*a.open_failed, "capture");
        EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
        auto got = srv.messages();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].meta.at("auth_login").as_string(), "relay-user");
        EXPECT_EQ(got[0].meta.at("auth_mechanism").as_string(), mech);
    }
}

TEST_F(TlsTest, WrongPasswordIsAuthFailedWithoutTheSecret) {
    auto flags = tls_flags();
    flags.insert(flags.end(), {"--auth", "u:right"});
    capture_server srv(flags);
    auto o = tls(tls_mode::required, ca_.ca_file());
    o.auth = credentials{"u", "wrong-secret"};
    auto a = send(srv, o, {"x\r\n"}, {"s@example.com", {"r@example.net"}}, test::test_ca::host);
    ASSERT_TRUE(a.open_failed);
    EXPECT_EQ(a.open_failed->code, smtp_errc::auth_failed);
    ASSERT_TRUE(a.open_failed->peer_reply);
    EXPECT_EQ(a.open_failed->peer_reply->code, 535);
    EXPECT_EQ(explain(*a.open_failed, "p").find("wrong-secret"), std::string::npos);
}

TEST_F(SessionTest, AuthInPlainTextOnlyWhenAllowed) {
    capture_server srv({"--auth", "u:p", "--auth-plaintext"});
    auto o = plain();
    o.auth = credentials{"u", "p"};
    auto refused = send_one(srv, o, "x\r\n");
    ASSERT_TRUE(refused.open_failed);
    EXPECT_EQ(refused.open_failed->code, smtp_errc::auth_insecure);

    o.auth->allow_plaintext = true;
    auto a = send_one(srv, o, "Subject: a\r\n\r\nx\r\n");
    ASSERT_FALSE(a.open_failed) << explain(*a.open_failed, "capture");
    EXPECT_EQ(a.sent[0].kind, outcome_kind::delivered);
    auto got = srv.messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].meta.at("auth_login").as_string(), "u");
}

TEST_F(SessionTest, ConnectRefusedIsADestinationFailure) {
    capture_server srv;
    destination nowhere{"nowhere", asio::ip::make_address("127.0.0.1"), 1};
    auto a = test::run(ioc_, run_session(nowhere, plain(), {"x\r\n"}, {"s@e.com", {"r@e.net"}}));
    ASSERT_TRUE(a.open_failed);
    EXPECT_EQ(a.open_failed->code, smtp_errc::connect_failed);
    EXPECT_EQ(classify(*a.open_failed), (verdict{scope::destination, severity::transient}));
}

}  // namespace
}  // namespace herald::smtp
