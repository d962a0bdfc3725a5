// The SMTP client's pure parts: the reply parser and its bounds, EHLO
// extensions, AUTH encodings, and the failure policy as a table.
#include "smtp/auth.hpp"
#include "smtp/dot_stuff.hpp"
#include "smtp/extensions.hpp"
#include "smtp/failure.hpp"
#include "smtp/reply.hpp"
#include "smtp/timeouts.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace herald::smtp {
namespace {

using state = reply_parser::state;

reply parse(std::initializer_list<std::string_view> lines, reply_limits limits = {}) {
    reply_parser p(limits);
    for (auto l : lines) {
        auto st = p.feed(l);
        if (st == state::done) return p.take();
        EXPECT_EQ(st, state::more) << l << ": " << p.error();
    }
    ADD_FAILURE() << "reply not complete";
    return {};
}

reply make_reply(int code, std::string text) {
    reply_parser p;
    auto line = std::to_string(code) + " " + text;
    EXPECT_EQ(p.feed(line), state::done);
    return p.take();
}

// ---- replies ------------------------------------------------------------------

TEST(Reply, SingleLineWithEnhancedStatus) {
    auto r = parse({"550 5.1.1 <x@example.com>: Recipient address rejected"});
    EXPECT_EQ(r.code, 550);
    EXPECT_EQ(r.cls(), 5);
    EXPECT_EQ(r.status.str(), "5.1.1");
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_EQ(r.lines[0], "5.1.1 <x@example.com>: Recipient address rejected");
}

TEST(Reply, MultiLineEndsAtTheFirstSpaceLine) {
    auto r = parse({"250-mx.example", "250-PIPELINING", "250-SIZE 1000", "250 8BITMIME"});
    EXPECT_EQ(r.code, 250);
    EXPECT_EQ(r.lines.size(), 4u);
    EXPECT_FALSE(r.status.valid());
}

TEST(Reply, BareCodeIsComplete) {
    auto r = parse({"354"});
    EXPECT_EQ(r.code, 354);
    EXPECT_TRUE(r.intermediate());
}

TEST(Reply, EnhancedStatusMustMatchTheClass) {
    EXPECT_FALSE(parse({"250 5.1.1 odd"}).status.valid());
    EXPECT_EQ(parse({"451 4.7.1 later"}).status, (enhanced_status{4, 7, 1}));
    EXPECT_EQ(parse({"550 5.1.10 null MX"}).status, (enhanced_status{5, 1, 10}));
    EXPECT_FALSE(parse({"550 5.1.1000 too long"}).status.valid());
    EXPECT_FALSE(parse({"550 5.1 short"}).status.valid());
    EXPECT_FALSE(parse({"550 5.1.1x glued"}).status.valid());
}

TEST(Reply, MalformedLinesAreRefused) {
    for (std::string_view bad : {"", "25", "abc def", "650 out of range", "150 too low",
                                 "250x no separator", "2500 four digits"}) {
        reply_parser p;
        EXPECT_EQ(p.feed(bad), state::malformed) << bad;
        EXPECT_FALSE(p.error().empty());
    }
}

TEST(Reply, ContinuationMustKeepTheCode) {
    reply_parser p;
    EXPECT_EQ(p.feed("250-first"), state::more);
    EXPECT_EQ(p.feed("251 second"), state::malformed);
}

TEST(Reply, LineCountIsBounded) {
    reply_parser p(reply_limits{2048, 3});
    EXPECT_EQ(p.feed("250-a"), state::more);
    EXPECT_EQ(p.feed("250-b"), state::more);
    EXPECT_EQ(p.feed("250-c"), state::more);
    EXPECT_EQ(p.feed("250 d"), state::malformed);
    EXPECT_NE(p.error().find("more than 3"), std::string::npos);
}

TEST(Reply, SummaryIsPrintableAndBounded) {
    auto r = parse({"550-first\x01line", "550 second"});
    EXPECT_EQ(r.summary(), "550 first?line / second");
    auto long_reply = make_reply(550, std::string(1000, 'x'));
    EXPECT_EQ(long_reply.summary(50).size(), 50u);
    EXPECT_TRUE(long_reply.summary(50).ends_with("..."));
}

// ---- EHLO extensions -------------------------------------------------------------

TEST(Extensions, KnownKeywordsCaseInsensitive) {
    auto r =
        parse({"250-mx.example Hello", "250-pipelining", "250-SIZE 52428800", "250-8BITMIME",
               "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-AUTH LOGIN plain", "250 SMTPUTF8"});
    auto e = parse_extensions(r);
    EXPECT_TRUE(e.pipelining);
    EXPECT_TRUE(e.size);
    ASSERT_TRUE(e.max_size);
    EXPECT_EQ(*e.max_size, 52428800u);
    EXPECT_TRUE(e.eightbitmime);
    EXPECT_TRUE(e.starttls);
    EXPECT_TRUE(e.enhanced_status);
    EXPECT_TRUE(e.auth_plain);
    EXPECT_TRUE(e.auth_login);
    EXPECT_TRUE(e.smtputf8);
}

TEST(Extensions, FirstLineIsTheNameAndSizeZeroIsNoLimit) {
    auto e = parse_extensions(parse({"250-PIPELINING", "250-SIZE 0", "250 AUTH=LOGIN"}));
    EXPECT_FALSE(e.pipelining);  // the first line is the server's name
    EXPECT_TRUE(e.size);
    EXPECT_FALSE(e.max_size);
    EXPECT_TRUE(e.auth_login);
    EXPECT_FALSE(e.auth_plain);
    EXPECT_FALSE(parse_extensions(parse({"250 mx.example"})).pipelining);
}

TEST(Extensions, Smtputf8OnlyWhenAnnounced) {
    EXPECT_TRUE(
        parse_extensions(parse({"250-mx.example", "250-smtputf8", "250 8BITMIME"})).smtputf8);
    EXPECT_FALSE(parse_extensions(parse({"250-mx.example", "250 8BITMIME"})).smtputf8);
    EXPECT_FALSE(parse_extensions(parse({"250-mx.example", "250 SMTPUTF8X"})).smtputf8);
    EXPECT_FALSE(parse_extensions(parse({"250 SMTPUTF8"})).smtputf8) << "the server's name";
}

// ---- AUTH encodings ----------------------------------------------------------------

TEST(Auth, Encodings) {
    EXPECT_EQ(mime::base64(""), "");
    EXPECT_EQ(mime::base64("f"), "Zg==");
    EXPECT_EQ(mime::base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(plain_response({"tim", "tanstaaftanstaaf"}), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    extensions e;
    EXPECT_FALSE(choose_mechanism(e));
    e.auth_login = true;
    EXPECT_EQ(choose_mechanism(e), auth_mechanism::login);
    e.auth_plain = true;
    EXPECT_EQ(choose_mechanism(e), auth_mechanism::plain);
}

// ---- timeouts ------------------------------------------------------------------------

TEST(Timeouts, Rfc5321Defaults) {
    using std::chrono::minutes;
    timeouts t;
    EXPECT_EQ(t.of(phase::connect), std::chrono::seconds(30));
    EXPECT_EQ(t.of(phase::greeting), minutes(5));
    EXPECT_EQ(t.of(phase::helo), minutes(5));
    EXPECT_EQ(t.of(phase::mail), minutes(5));
    EXPECT_EQ(t.of(phase::rcpt), minutes(5));
    EXPECT_EQ(t.of(phase::data), minutes(2));
    EXPECT_EQ(t.of(phase::data_block), minutes(3));
    EXPECT_EQ(t.of(phase::data_done), minutes(10));
    EXPECT_EQ(timeouts::all(milliseconds(7)).of(phase::quit), milliseconds(7));
    EXPECT_NE(describe(phase::data_done).find("may already be delivered"), std::string::npos);
}

// ---- failure policy ------------------------------------------------------------------

struct row {
    phase where;
    smtp_errc code;
    int reply_code;  // 0: no reply
    scope reach;
    severity sev;
};

TEST(Failure, ClassificationTable) {
    const row rows[] = {
        // Replies: the phase decides the scope; the class, the severity.
        {phase::greeting, smtp_errc::reply_transient, 450, scope::destination, severity::transient},
        {phase::greeting, smtp_errc::reply_permanent, 554, scope::destination, severity::permanent},
        {phase::helo, smtp_errc::reply_permanent, 501, scope::destination, severity::permanent},
        {phase::mail, smtp_errc::reply_transient, 451, scope::message, severity::transient},
        {phase::mail, smtp_errc::reply_permanent, 553, scope::message, severity::permanent},
        {phase::rcpt, smtp_errc::reply_transient, 450, scope::recipient, severity::transient},
        {phase::rcpt, smtp_errc::reply_permanent, 550, scope::recipient, severity::permanent},
        {phase::data, smtp_errc::reply_permanent, 554, scope::message, severity::permanent},
        {phase::data_done, smtp_errc::reply_transient, 451, scope::message, severity::transient},
        {phase::data_done, smtp_errc::reply_permanent, 552, scope::message, severity::permanent},
        // 421 closes the connection whatever the command.
        {phase::rcpt, smtp_errc::reply_transient, 421, scope::connection, severity::transient},
        {phase::data_done, smtp_errc::reply_transient, 421, scope::connection, severity::transient},
        // I/O before the end of DATA: transient; after it: unknown, never deferred.
        {phase::connect, smtp_errc::connect_failed, 0, scope::destination, severity::transient},
        {phase::connect, smtp_errc::timeout, 0, scope::destination, severity::transient},
        {phase::greeting, smtp_errc::timeout, 0, scope::destination, severity::transient},
        {phase::rcpt, smtp_errc::connection_lost, 0, scope::connection, severity::transient},
        {phase::data, smtp_errc::connection_lost, 0, scope::connection, severity::transient},
        {phase::data_block, smtp_errc::timeout, 0, scope::connection, severity::transient},
        {phase::data_block, smtp_errc::connection_lost, 0, scope::connection, severity::transient},
        {phase::data_done, smtp_errc::timeout, 0, scope::connection, severity::unknown},
        {phase::data_done, smtp_errc::connection_lost, 0, scope::connection, severity::unknown},
        {phase::data_done, smtp_errc::protocol_error, 0, scope::connection, severity::unknown},
        {phase::mail, smtp_errc::protocol_error, 0, scope::connection, severity::transient},
        // Setup failures reach the destination and are retried.
        {phase::starttls, smtp_errc::tls_unavailable, 0, scope::destination, severity::transient},
        {phase::starttls, smtp_errc::tls_verify_failed, 0, scope::destination, severity::transient},
        {phase::auth, smtp_errc::auth_failed, 535, scope::destination, severity::transient},
        {phase::connect, smtp_errc::pool_timeout, 0, scope::destination, severity::transient},
        {phase::connect, smtp_errc::destination_suspended, 0, scope::destination,
         severity::transient},
        // The message itself cannot go.
        {phase::mail, smtp_errc::peer_size_exceeded, 0, scope::message, severity::permanent},
        {phase::mail, smtp_errc::invalid_envelope, 0, scope::message, severity::permanent},
        // A UTF-8 address and a peer without SMTPUTF8: the recipient's own
        // address fails alone, the sender's or the headers' the message.
        {phase::rcpt, smtp_errc::smtputf8_unsupported, 0, scope::recipient, severity::permanent},
        {phase::mail, smtp_errc::smtputf8_unsupported, 0, scope::message, severity::permanent},
    };
    for (const auto& r : rows) {
        failure f{r.where, r.code, std::nullopt, {}};
        if (r.reply_code) f.peer_reply = make_reply(r.reply_code, "x");
        const auto v = classify(f);
        EXPECT_EQ(v, (verdict{r.reach, r.sev}))
            << to_string(r.where) << " " << smtp_category().code_name(static_cast<int>(r.code))
            << " " << r.reply_code << " -> " << to_string(v.reach);
    }
}

TEST(Failure, FromReply) {
    EXPECT_EQ(failure_from_reply(phase::mail, make_reply(451, "x")).code,
              smtp_errc::reply_transient);
    EXPECT_EQ(failure_from_reply(phase::mail, make_reply(550, "x")).code,
              smtp_errc::reply_permanent);
    EXPECT_EQ(failure_from_reply(phase::data, make_reply(250, "x")).code,
              smtp_errc::protocol_error);
}

TEST(Failure, AddressFailuresDeserveSuppression) {
    for (auto s : {"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"})
        EXPECT_TRUE(is_address_failure(make_reply(550, std::string(s) + " no"))) << s;
    for (auto s : {"5.1.7", "5.2.2", "5.7.1", "5.1.0"})
        EXPECT_FALSE(is_address_failure(make_reply(550, std::string(s) + " no"))) << s;
    EXPECT_FALSE(is_address_failure(make_reply(450, "4.1.1 later")));
    EXPECT_FALSE(is_address_failure(make_reply(550, "no status")));
}

TEST(Failure, ExplainNamesPeerPhaseAndReply) {
    failure f{phase::rcpt, smtp_errc::reply_permanent, make_reply(550, "5.1.1 unknown"), {}};
    EXPECT_EQ(explain(f, "mx[192.0.2.1]:25"),
              "host mx[192.0.2.1]:25 said: 550 5.1.1 unknown (in reply to RCPT TO)");
    failure t{phase::data_done, smtp_errc::timeout, std::nullopt, {}};
    EXPECT_EQ(explain(t, "mx"),
              "conversation with mx timed out while waiting for the reply to end of data -- "
              "message may already be delivered");
}

// ---- one message's result ----------------------------------------------------------------

envelope three() {
    return {"from@example.com", {"a@example.net", "b@example.net", "c@example.net"}};
}

// What one send tells of the destination's health: a table of transcripts.
TEST(Health, WholeDestinationFailuresAreFailingAndAnyRealAnswerIsWorking) {
    auto with = [](std::function<void(transcript&)> f) {
        transcript t;
        f(t);
        return health_of(conclude(three(), t, "mx"));
    };
    auto failed_at = [&](phase p, smtp_errc c, int code) {
        return with([&](transcript& t) {
            t.rcpt.resize(p == phase::data_done ? 3 : 0);
            if (p == phase::data_done)
                t.rcpt = {make_reply(250, "ok"), make_reply(250, "ok"), make_reply(250, "ok")};
            t.failed = failure{p, c, std::nullopt, {}};
            if (code) t.failed->peer_reply = make_reply(code, "x");
        });
    };
    EXPECT_EQ(failed_at(phase::connect, smtp_errc::connect_failed, 0), health_signal::failing);
    EXPECT_EQ(failed_at(phase::greeting, smtp_errc::reply_transient, 421), health_signal::failing);
    EXPECT_EQ(failed_at(phase::mail, smtp_errc::reply_transient, 451), health_signal::failing);
    EXPECT_EQ(failed_at(phase::starttls, smtp_errc::tls_failed, 0), health_signal::failing);
    // Ours, not the destination's; and after the dot nobody knows.
    EXPECT_EQ(failed_at(phase::connect, smtp_errc::pool_timeout, 0), health_signal::none);
    EXPECT_EQ(failed_at(phase::connect, smtp_errc::pool_closed, 0), health_signal::none);
    EXPECT_EQ(failed_at(phase::data_done, smtp_errc::timeout, 0), health_signal::none);
    // A reply for one recipient, a 5xx or a delivery: the server works.
    EXPECT_EQ(with([](transcript& t) {
                  t.rcpt = {make_reply(450, "4.2.1 busy"), make_reply(450, "busy"),
                            make_reply(450, "busy")};
              }),
              health_signal::working);
    EXPECT_EQ(failed_at(phase::mail, smtp_errc::reply_permanent, 553), health_signal::working);
    EXPECT_EQ(with([](transcript& t) {
                  t.rcpt = {make_reply(250, "ok"), make_reply(250, "ok"), make_reply(250, "ok")};
                  t.final_reply = make_reply(250, "queued");
              }),
              health_signal::working);
}

TEST(Health, OnlySuspendedDestinationsPostponeWithoutAnAttempt) {
    auto r = all_recipients(three(), outcome_kind::deferred,
                            make_error(smtp_errc::destination_suspended, "mx is suspended"));
    r.reopens_at = 5000;
    auto o = to_outcome(r);
    EXPECT_EQ(o.kind, outcome_kind::deferred);
    EXPECT_FALSE(o.used_attempt);
    EXPECT_EQ(o.retry_at, 5000);
    // One recipient deferred for another reason: a normal retry.
    r.recipients[1].code = "smtp_4xx";
    EXPECT_TRUE(to_outcome(r).used_attempt);
}

TEST(Conclude, OneRecipientBouncedOthersDelivered) {
    transcript t;
    t.rcpt = {make_reply(250, "2.1.5 ok"), make_reply(550, "5.1.1 no such user"),
              make_reply(250, "2.1.5 ok")};
    t.final_reply = make_reply(250, "2.0.0 queued");
    auto r = conclude(three(), t, "mx");
    ASSERT_EQ(r.recipients.size(), 3u);
    EXPECT_EQ(r.recipients[0].kind, outcome_kind::delivered);
    EXPECT_EQ(r.recipients[1].kind, outcome_kind::bounced);
    EXPECT_EQ(r.recipients[1].status, "5.1.1");
    EXPECT_TRUE(r.recipients[1].suppress);
    EXPECT_EQ(r.recipients[1].why, (verdict{scope::recipient, severity::permanent}));
    EXPECT_EQ(r.recipients[2].kind, outcome_kind::delivered);
    EXPECT_EQ(r.kind, outcome_kind::delivered);
    EXPECT_EQ(r.suppressed_recipients(), std::vector<std::string>{"b@example.net"});
    EXPECT_TRUE(r.retry_recipients().empty());
}

TEST(Conclude, DeferredRecipientIsTheOnlyOneToRetry) {
    transcript t;
    t.rcpt = {make_reply(250, "ok"), make_reply(450, "4.2.1 mailbox busy"), make_reply(250, "ok")};
    t.final_reply = make_reply(250, "queued");
    auto r = conclude(three(), t, "mx");
    EXPECT_EQ(r.kind, outcome_kind::deferred);
    EXPECT_EQ(r.code, "smtp_4xx");
    EXPECT_EQ(r.retry_recipients(), std::vector<std::string>{"b@example.net"});
}

TEST(Conclude, LostAfterTheDotIsUnknownForAcceptedRecipients) {
    transcript t;
    t.rcpt = {make_reply(250, "ok"), make_reply(550, "5.1.1 no"), make_reply(250, "ok")};
    t.failed = failure{phase::data_done, smtp_errc::timeout, std::nullopt, {}};
    auto r = conclude(three(), t, "mx");
    EXPECT_EQ(r.recipients[0].kind, outcome_kind::unknown);
    EXPECT_EQ(r.recipients[1].kind, outcome_kind::bounced);
    EXPECT_EQ(r.recipients[2].kind, outcome_kind::unknown);
    EXPECT_EQ(r.kind, outcome_kind::unknown);
    EXPECT_EQ(r.code, "timeout");
    EXPECT_TRUE(r.retry_recipients().empty());
    EXPECT_EQ(to_outcome(r).kind, outcome_kind::unknown);
}

TEST(Conclude, FailureBeforeAnyReplyReachesEveryone) {
    transcript t;
    t.rcpt.resize(3);
    t.failed = failure{phase::connect, smtp_errc::connect_failed, std::nullopt, "refused"};
    auto r = conclude(three(), t, "mx");
    for (const auto& rr : r.recipients)
        EXPECT_EQ(rr.kind, outcome_kind::deferred);
    EXPECT_EQ(r.retry_recipients().size(), 3u);
    EXPECT_EQ(r.detail, "connect to mx failed: refused");
}

TEST(Conclude, SkippedRecipientsBounceWhileTheOthersAreDecidedByTheirReplies) {
    transcript t;
    t.rcpt = {make_reply(250, "ok"), std::nullopt, make_reply(250, "ok")};
    t.skipped.resize(3);
    t.skipped[1] = failure{phase::rcpt, smtp_errc::smtputf8_unsupported, std::nullopt,
                           "the recipient needs SMTPUTF8"};
    t.final_reply = make_reply(250, "queued");
    auto r = conclude(three(), t, "mx");
    EXPECT_EQ(r.recipients[0].kind, outcome_kind::delivered);
    EXPECT_EQ(r.recipients[1].kind, outcome_kind::bounced);
    EXPECT_EQ(r.recipients[1].code, "smtputf8_unsupported");
    EXPECT_EQ(r.recipients[1].why, (verdict{scope::recipient, severity::permanent}));
    EXPECT_FALSE(r.recipients[1].suppress) << "the address exists; this peer cannot take it";
    EXPECT_NE(r.recipients[1].detail.find("needs SMTPUTF8"), std::string::npos);
    EXPECT_EQ(r.recipients[2].kind, outcome_kind::delivered);
    EXPECT_EQ(r.kind, outcome_kind::delivered);
    EXPECT_TRUE(r.retry_recipients().empty());
    EXPECT_EQ(smtp_category().http_status(static_cast<int>(smtp_errc::smtputf8_unsupported)), 502);
}

TEST(Conclude, AddressFailureAtEndOfDataSuppressesOnlyALoneRecipient) {
    transcript t;
    t.rcpt = {make_reply(250, "ok")};
    t.final_reply = make_reply(550, "5.1.1 no such user");
    envelope one{"f@example.com", {"a@example.net"}};
    auto r = conclude(one, t, "mx");
    EXPECT_EQ(r.kind, outcome_kind::bounced);
    EXPECT_TRUE(r.recipients[0].suppress);

    transcript t3;
    t3.rcpt = {make_reply(250, "ok"), make_reply(250, "ok"), make_reply(250, "ok")};
    t3.final_reply = make_reply(550, "5.1.1 someone unknown");
    auto r3 = conclude(three(), t3, "mx");
    EXPECT_EQ(r3.kind, outcome_kind::bounced);
    EXPECT_TRUE(r3.suppressed_recipients().empty());
}

TEST(dot_stuff, doubles_leading_dots_of_every_line) {
    EXPECT_EQ(dot_stuff(""), "");
    EXPECT_EQ(dot_stuff(".\r\n"), "..\r\n");
    EXPECT_EQ(dot_stuff("a\r\n.\r\n..b\r\nc.d\r\n"), "a\r\n..\r\n...b\r\nc.d\r\n");
    EXPECT_EQ(dot_stuff("x\n.y"), "x\n..y");
    EXPECT_EQ(dot_stuff("no dots"), "no dots");
}

}  // namespace
}  // namespace herald::smtp
