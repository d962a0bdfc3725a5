#include "smtp/session.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "smtp/dot_stuff.hpp"

#include <algorithm>

namespace herald::smtp {
namespace {

// One write per block keeps the data_block deadline meaningful (RFC 5321
// §4.5.3.2.6: per send call) and bounds what a stalled peer holds up.
constexpr std::size_t body_block = 64 * 1024;
constexpr std::size_t max_address = 256;
// A pipelined group is written before any reply is read; past a few KB of
// commands a peer whose replies fill its send buffer could stop reading
// and deadlock the write. 100 recipients (RFC 5321 §4.5.3.1.8's minimum)
// keep both directions far below any socket buffer; more go one by one.
constexpr std::size_t max_pipelined_recipients = 100;

// Anything that could end the command line or the <...> early is refused:
// an address is never allowed to inject a command.
bool safe_address(std::string_view a) {
    if (a.size() > max_address) return false;
    for (unsigned char c : a)
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return false;
    return true;
}

bool has_8bit(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return true;
    return false;
}

// RFC 6531: an address with a UTF-8 local part (domains are A-labels by
// now), or UTF-8 header fields.
bool needs_smtputf8(const envelope& env) {
    return env.utf8_headers || has_8bit(env.mail_from) ||
           std::any_of(env.rcpt_to.begin(), env.rcpt_to.end(), has_8bit);
}

bool needs_stuffing(std::string_view s) {
    return s.starts_with('.') || s.find("\n.") != std::string_view::npos;
}

failure refusal(smtp_errc code, std::string detail) {
    return {phase::mail, code, std::nullopt, std::move(detail)};
}

}  // namespace

std::string destination::str() const {
    return host + '[' + address.to_string() + "]:" + std::to_string(port);
}

session::session(asio::any_io_executor ex, destination dest, session_options options,
                 std::shared_ptr<asio::ssl::context> tls)
    : dest_(std::move(dest)),
      opt_(std::move(options)),
      tls_(std::move(tls)),
      chat_(ex, opt_.replies),
      peer_(dest_.str()) {}

failure session::note(failure f) {
    if (!connection_survives(f)) {
        dead_ = true;
        chat_.close();
    }
    return f;
}

asio::awaitable<step<reply>> session::command(std::string line, phase p) {
    co_return co_await command(std::move(line), p, opt_.limits.of(p));
}

asio::awaitable<step<reply>> session::command(std::string line, phase p, milliseconds within) {
    line += "\r\n";
    auto w = co_await chat_.write(line, p, within);
    if (!w) co_return w.error();
    co_return co_await chat_.read_reply(p, within);
}

// ---- opening ----------------------------------------------------------------

asio::awaitable<step<void>> session::open() {
    auto g = co_await greet();
    if (!g) co_return abandon(g.error());
    auto h = co_await hello();
    if (!h) co_return abandon(h.error());
    auto s = co_await start_tls();
    if (!s) co_return abandon(s.error());
    if (opt_.auth) {
        auto a = co_await authenticate(chat_, ext_, *opt_.auth, opt_.limits.auth);
        if (!a) co_return abandon(a.error());
    }
    open_ = true;
    co_return step<void>{};
}

failure session::abandon(failure f) {
    dead_ = true;
    chat_.close();
    return f;
}

asio::awaitable<step<void>> session::greet() {
    auto c = co_await chat_.connect({dest_.address, dest_.port}, opt_.limits.connect);
    if (!c) co_return c.error();
    auto g = co_await chat_.read_reply(phase::greeting, opt_.limits.greeting);
    if (!g) co_return g.error();
    if (g->code != 220) co_return failure_from_reply(phase::greeting, std::move(*g));
    co_return step<void>{};
}

asio::awaitable<step<void>> session::hello() {
    auto r = co_await command("EHLO " + opt_.helo_name, phase::ehlo);
    if (!r) co_return r.error();
    if (r->positive()) {
        ext_ = parse_extensions(*r);
        co_return step<void>{};
    }
    // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; speak
    // plain SMTP then. A 4xx is a refusal to talk at all.
    if (r->cls() != 5) co_return failure_from_reply(phase::ehlo, std::move(*r));
    ext_ = {};
    auto h = co_await command("HELO " + opt_.helo_name, phase::helo);
    if (!h) co_return h.error();
    if (!h->positive()) co_return failure_from_reply(phase::helo, std::move(*h));
    co_return step<void>{};
}

asio::awaitable<step<void>> session::start_tls() {
    const bool required = opt_.tls.mode == tls_mode::required;
    if (opt_.tls.mode == tls_mode::none) co_return step<void>{};
    if (!tls_)
        co_return failure{phase::starttls, smtp_errc::tls_failed, std::nullopt, "no TLS context"};
    if (!ext_.starttls) {
        if (!required) co_return step<void>{};
        co_return failure{phase::starttls, smtp_errc::tls_unavailable, std::nullopt,
                          "the peer does not offer STARTTLS"};
    }
    auto r = co_await command("STARTTLS", phase::starttls);
    if (!r) co_return r.error();
    if (r->code != 220) {
        if (!required && r->code != 421) co_return step<void>{};  // go on in plain text
        co_return failure{phase::starttls, smtp_errc::tls_unavailable, std::move(*r), {}};
    }
    // Bytes after the 220 were sent before TLS and could be an attacker's
    // injected replies (CVE-2011-0411's mirror image): never read them.
    if (chat_.has_unread())
        co_return failure{phase::starttls, smtp_errc::protocol_error, std::nullopt,
                          "data after the STARTTLS reply"};
    auto h = co_await chat_.start_tls(*tls_, dest_.host, opt_.tls.verify, opt_.limits.starttls);
    if (!h) co_return h.error();
    // RFC 3207 §4.2: forget what the server said before TLS; ask again.
    co_return co_await hello();
}

// ---- one message --------------------------------------------------------------

std::optional<failure> session::refuse_early(const envelope& env, std::string_view data) const {
    if (env.rcpt_to.empty()) return refusal(smtp_errc::invalid_envelope, "no recipients");
    if (!safe_address(env.mail_from))
        return refusal(smtp_errc::invalid_envelope, "sender address cannot be sent");
    for (const auto& r : env.rcpt_to)
        if (r.empty() || !safe_address(r))
            return refusal(smtp_errc::invalid_envelope, "recipient address cannot be sent");
    if (ext_.max_size && data.size() > *ext_.max_size)
        return refusal(smtp_errc::peer_size_exceeded,
                       "message of " + std::to_string(data.size()) +
                           " bytes exceeds the peer's SIZE limit of " +
                           std::to_string(*ext_.max_size));
    return std::nullopt;
}

std::string session::mail_command(const envelope& env, std::string_view data) const {
    std::string cmd = "MAIL FROM:<" + env.mail_from + '>';
    if (ext_.size) cmd += " SIZE=" + std::to_string(data.size());
    if (ext_.eightbitmime && has_8bit(data)) cmd += " BODY=8BITMIME";
    if (ext_.smtputf8 && needs_smtputf8(env)) cmd += " SMTPUTF8";
    return cmd;
}

asio::awaitable<send_result> session::send(const envelope& env, std::string_view data) {
    transcript t;
    t.rcpt.resize(env.rcpt_to.size());
    if (auto early = refuse_early(env, data)) {
        t.failed = std::move(early);
    } else if (!usable()) {
        t.failed = failure{phase::mail, smtp_errc::connection_lost, std::nullopt,
                           "the session is not open"};
    } else {
        lease_ = env.lease;
        co_await transact(env, data, t);
    }
    lease_ = nullptr;
    auto result = conclude(env, t, peer_);
    if (result.kind == outcome_kind::unknown)
        log::warn("smtp.outcome_unknown", {{"peer", peer_}, {"detail", result.detail}});
    co_return result;
}

// Without SMTPUTF8 at the peer only what is pure ASCII goes (the policy
// in session.hpp): the other recipients are skipped, and the ones left are
// sent in a transaction of their own whose replies map back.
asio::awaitable<void> session::transact(const envelope& env, std::string_view data, transcript& t) {
    if (ext_.smtputf8 || !needs_smtputf8(env)) {
        co_await exchange(env, data, t);
        co_return;
    }
    const std::string missing = ", which the peer does not offer";
    if (has_8bit(env.mail_from)) {
        t.failed = refusal(smtp_errc::smtputf8_unsupported,
                           "the sender's address needs SMTPUTF8" + missing);
        co_return;
    }
    if (env.utf8_headers) {
        t.failed = refusal(smtp_errc::smtputf8_unsupported,
                           "the header fields carry UTF-8 addresses, which need SMTPUTF8 "
                           "(RFC 6532), and the peer does not offer it");
        co_return;
    }
    envelope ascii{env.mail_from, {}, env.lease, false};
    std::vector<std::size_t> index;
    t.skipped.resize(env.rcpt_to.size());
    for (std::size_t i = 0; i < env.rcpt_to.size(); ++i) {
        if (has_8bit(env.rcpt_to[i])) {
            t.skipped[i] = failure{phase::rcpt, smtp_errc::smtputf8_unsupported, std::nullopt,
                                   "the recipient's address needs SMTPUTF8" + missing};
        } else {
            ascii.rcpt_to.push_back(env.rcpt_to[i]);
            index.push_back(i);
        }
    }
    if (ascii.rcpt_to.empty()) co_return;
    transcript sub;
    sub.rcpt.resize(ascii.rcpt_to.size());
    co_await exchange(ascii, data, sub);
    for (std::size_t k = 0; k < index.size(); ++k)
        t.rcpt[index[k]] = std::move(sub.rcpt[k]);
    t.final_reply = std::move(sub.final_reply);
    t.failed = std::move(sub.failed);
}

asio::awaitable<void> session::exchange(const envelope& env, std::string_view data, transcript& t) {
    ++transactions_;
    const auto started = std::chrono::steady_clock::now();
    if (opt_.pipelining && ext_.pipelining && env.rcpt_to.size() <= max_pipelined_recipients)
        co_await exchange_pipelined(env, data, t);
    else
        co_await exchange_stepwise(env, data, t);
    metrics::observe(
        metrics::latency::smtp_transaction,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

asio::awaitable<void> session::exchange_stepwise(const envelope& env, std::string_view data,
                                                 transcript& t) {
    auto m = co_await command(mail_command(env, data), phase::mail);
    if (!m) {
        t.failed = note(m.error());
        co_return;
    }
    if (!m->positive()) {
        t.failed = note(failure_from_reply(phase::mail, std::move(*m)));
        co_return;
    }
    bool any = false;
    for (std::size_t i = 0; i < env.rcpt_to.size(); ++i) {
        auto r = co_await command("RCPT TO:<" + env.rcpt_to[i] + '>', phase::rcpt);
        if (!r) {
            t.failed = note(r.error());
            co_return;
        }
        if (r->code == 421) {  // the peer is closing: the rest are not refused, just not done
            t.failed = note(failure_from_reply(phase::rcpt, std::move(*r)));
            co_return;
        }
        any = any || r->positive();
        t.rcpt[i] = std::move(*r);
    }
    if (!any) co_return;  // every recipient refused: nothing to send
    auto d = co_await command("DATA", phase::data);
    if (!d) {
        t.failed = note(d.error());
        co_return;
    }
    co_await finish_data(*d, data, t);
}

asio::awaitable<void> session::exchange_pipelined(const envelope& env, std::string_view data,
                                                  transcript& t) {
    // RFC 2920: MAIL, every RCPT and DATA in one write; the replies come
    // back in order and every one of them must be read.
    std::string group = mail_command(env, data) + "\r\n";
    for (const auto& rcpt : env.rcpt_to)
        group += "RCPT TO:<" + rcpt + ">\r\n";
    group += "DATA\r\n";
    auto w = co_await chat_.write(group, phase::mail, opt_.limits.mail);
    if (!w) {
        t.failed = note(w.error());
        co_return;
    }
    auto m = co_await chat_.read_reply(phase::mail, opt_.limits.mail);
    if (!m) {
        t.failed = note(m.error());
        co_return;
    }
    std::optional<failure> mail_failed;
    if (!m->positive()) {
        mail_failed = note(failure_from_reply(phase::mail, std::move(*m)));
        if (dead_) {
            t.failed = std::move(mail_failed);
            co_return;
        }
    }
    bool any = false;
    for (std::size_t i = 0; i < env.rcpt_to.size(); ++i) {
        auto r = co_await chat_.read_reply(phase::rcpt, opt_.limits.rcpt);
        if (!r) {
            t.failed = note(r.error());
            co_return;
        }
        if (r->code == 421) {
            t.failed = note(failure_from_reply(phase::rcpt, std::move(*r)));
            co_return;
        }
        if (mail_failed) continue;  // the 503s after a failed MAIL say nothing of the address
        any = any || r->positive();
        t.rcpt[i] = std::move(*r);
    }
    auto d = co_await chat_.read_reply(phase::data, opt_.limits.data);
    if (!d) {
        t.failed = note(d.error());
        co_return;
    }
    if (mail_failed) t.failed = std::move(mail_failed);
    if (any) {
        co_await finish_data(*d, data, t);
    } else if (d->intermediate()) {
        co_await end_empty_data();
    } else if (!d->positive()) {
        note(failure_from_reply(phase::data, std::move(*d)));  // only to drop the session on 421
    }
}

asio::awaitable<void> session::finish_data(const reply& data_reply, std::string_view data,
                                           transcript& t) {
    if (!data_reply.intermediate()) {  // 354 expected; a 2xx here is a protocol error
        t.failed = note(failure_from_reply(phase::data, data_reply));
        co_return;
    }
    co_await transfer(data, t);
}

asio::awaitable<void> session::transfer(std::string_view data, transcript& t) {
    std::string stuffed;
    std::string_view body = data;
    if (needs_stuffing(data)) {  // most messages need no copy
        stuffed = dot_stuff(data);
        body = stuffed;
    }
    const std::string_view end = body.empty() || body.ends_with("\r\n") ? ".\r\n" : "\r\n.\r\n";
    while (body.size() > body_block) {
        auto w = co_await chat_.write(body.substr(0, body_block), phase::data_block,
                                      opt_.limits.data_block);
        if (!w) {
            t.failed = note(w.error());
            co_return;
        }
        body.remove_prefix(body_block);
    }
    // The rest of the body first, so that the final dot alone follows the
    // commit: between the lease check and the dot there is no wait on the
    // peer's window.
    auto w = co_await chat_.write(body, phase::data_block, opt_.limits.data_block);
    if (!w) {
        t.failed = note(w.error());
        co_return;
    }
    // The point of no return. Without the lease another worker may be
    // sending this message: drop the connection mid-DATA, and the peer
    // discards what it has.
    if (lease_ && !lease_->commit()) {
        t.failed = abandon(failure{phase::data_block, smtp_errc::lease_lost, std::nullopt,
                                   "the send lease lapsed before the final dot"});
        co_return;
    }
    // A failed write never sent all its bytes, so the end of data did not
    // reach the peer: up to here every failure leaves the message undelivered.
    w = co_await chat_.write(end, phase::data_block, opt_.limits.data_block);
    if (!w) {
        t.failed = note(w.error());
        co_return;
    }
    // From here on the peer may hold the whole message: failures are unknown.
    auto r = co_await chat_.read_reply(phase::data_done, opt_.limits.data_done);
    if (!r) {
        t.failed = note(r.error());
        co_return;
    }
    if (!r->positive()) note(failure_from_reply(phase::data_done, *r));
    t.final_reply = std::move(*r);
}

asio::awaitable<void> session::end_empty_data() {
    // RFC 2920 §3.1: DATA was pipelined and accepted although no recipient
    // was; an empty message ends it (and is refused for want of recipients).
    auto w = co_await chat_.write(".\r\n", phase::data_block, opt_.limits.data_block);
    if (!w) {
        note(w.error());
        co_return;
    }
    auto r = co_await chat_.read_reply(phase::data_block, opt_.limits.data_done);
    if (!r) note(r.error());
}

// ---- between messages and at the end ---------------------------------------------

asio::awaitable<step<void>> session::reset() {
    if (!usable())
        co_return failure{phase::rset, smtp_errc::connection_lost, std::nullopt,
                          "the session is not open"};
    auto r = co_await command("RSET", phase::rset);
    if (!r) co_return abandon(r.error());
    if (!r->positive()) co_return abandon(failure_from_reply(phase::rset, std::move(*r)));
    co_return step<void>{};
}

asio::awaitable<void> session::quit() {
    co_await quit(opt_.limits.quit);
}

asio::awaitable<void> session::quit(milliseconds within) {
    if (usable()) {
        auto r = co_await command("QUIT", phase::quit, within);
        (void)r;  // the answer changes nothing: the connection ends either way
    }
    dead_ = true;
    chat_.close();
}

}  // namespace herald::smtp
