#include "smtp/failure.hpp"

#include "dns/errors.hpp"

#include <algorithm>

namespace herald::smtp {
namespace {

// Where a refusal reaches, by the command it answered.
scope reply_scope(phase p) noexcept {
    switch (p) {
        case phase::connect:
        case phase::greeting:
        case phase::ehlo:
        case phase::helo:
        case phase::starttls:
        case phase::auth:
            return scope::destination;
        case phase::mail:
        case phase::data:
        case phase::data_block:
        case phase::data_done:
            return scope::message;
        case phase::rcpt:
            return scope::recipient;
        case phase::rset:
        case phase::quit:
            return scope::connection;
    }
    return scope::connection;
}

// Where an I/O failure reaches: before the greeting nothing was said, so
// the destination itself is unreachable; later only this connection broke.
scope io_scope(phase p) noexcept {
    return p == phase::connect || p == phase::greeting ? scope::destination : scope::connection;
}

verdict of_reply(const failure& f, severity s) noexcept {
    // 421: the peer closes the channel whatever the command was.
    if (f.peer_reply && f.peer_reply->code == 421) return {scope::connection, s};
    return {reply_scope(f.where), s};
}

verdict of_io(const failure& f) noexcept {
    if (message_may_be_delivered(f.where)) return {scope::connection, severity::unknown};
    return {io_scope(f.where), severity::transient};
}

}  // namespace

failure failure_from_reply(phase where, reply r) {
    smtp_errc code = smtp_errc::protocol_error;
    std::string detail;
    if (r.cls() == 4)
        code = smtp_errc::reply_transient;
    else if (r.cls() == 5)
        code = smtp_errc::reply_permanent;
    else
        detail = "unexpected reply";
    return {where, code, std::move(r), std::move(detail)};
}

verdict classify(const failure& f) noexcept {
    switch (f.code) {
        case smtp_errc::reply_transient:
            return of_reply(f, severity::transient);
        case smtp_errc::reply_permanent:
            return of_reply(f, severity::permanent);
        case smtp_errc::timeout:
        case smtp_errc::connection_lost:
        case smtp_errc::protocol_error:
            return of_io(f);
        case smtp_errc::connect_failed:
        case smtp_errc::tls_unavailable:
        case smtp_errc::tls_failed:
        case smtp_errc::tls_verify_failed:
        case smtp_errc::pool_timeout:
        case smtp_errc::destination_suspended:
            return {scope::destination, severity::transient};
        // A relay refusing herald's credentials is a configuration problem:
        // retry after it is fixed rather than bounce every message.
        case smtp_errc::auth_unavailable:
        case smtp_errc::auth_insecure:
        case smtp_errc::auth_failed:
            return {scope::destination, severity::transient};
        case smtp_errc::pool_closed:
            return {scope::connection, severity::transient};
        // Not sent: the worker's lease lapsed before the final dot. The
        // session drops the connection mid-DATA itself (smtp/session); the
        // scope is the message, so no other host is tried for it.
        case smtp_errc::lease_lost:
            return {scope::message, severity::transient};
        case smtp_errc::peer_size_exceeded:
        case smtp_errc::invalid_envelope:
            return {scope::message, severity::permanent};
        // Permanent: the MX will not learn SMTPUTF8 by the next retry, and
        // herald never downgrades an address. A recipient's own address
        // (phase rcpt) fails alone; the sender's (phase mail) fails the
        // whole message.
        case smtp_errc::smtputf8_unsupported:
            return {f.where == phase::rcpt ? scope::recipient : scope::message,
                    severity::permanent};
    }
    return {scope::connection, severity::transient};
}

outcome_kind kind_of(severity s) noexcept {
    switch (s) {
        case severity::transient:
            return outcome_kind::deferred;
        case severity::permanent:
            return outcome_kind::bounced;
        case severity::unknown:
            return outcome_kind::unknown;
    }
    return outcome_kind::unknown;
}

std::string_view to_string(scope s) noexcept {
    switch (s) {
        case scope::recipient:
            return "recipient";
        case scope::message:
            return "message";
        case scope::connection:
            return "connection";
        case scope::destination:
            return "destination";
    }
    return "unknown";
}

bool connection_survives(const failure& f) noexcept {
    auto v = classify(f);
    return v.reach == scope::recipient || v.reach == scope::message;
}

bool is_address_failure(const reply& r) noexcept {
    const auto& st = r.status;
    if (r.cls() != 5 || st.cls != 5 || st.subject != 1) return false;
    return st.detail == 1 || st.detail == 2 || st.detail == 3 || st.detail == 6 || st.detail == 10;
}

std::string explain(const failure& f, std::string_view peer) {
    std::string p(peer);
    if (f.peer_reply)
        return "host " + p + " said: " + f.peer_reply->summary() + " (in reply to " +
               std::string(command_name(f.where)) + ")" +
               (f.detail.empty() ? "" : " (" + f.detail + ")");
    const std::string during(describe(f.where));
    const std::string why = f.detail.empty() ? "" : ": " + f.detail;
    if (f.code == smtp_errc::timeout)
        return "conversation with " + p + " timed out while " + during;
    if (f.code == smtp_errc::connection_lost)
        return "lost connection with " + p + " while " + during + why;
    if (f.code == smtp_errc::connect_failed) return "connect to " + p + " failed" + why;
    auto name = smtp_category().code_name(static_cast<int>(f.code));
    return std::string(name) + " with " + p + " while " + during + why;
}

// ---- one message's result ---------------------------------------------------

namespace {

std::string_view code_name(smtp_errc e) {
    return smtp_category().code_name(static_cast<int>(e));
}

recipient_result delivered(std::string address, const reply& r) {
    recipient_result out;
    out.address = std::move(address);
    out.kind = outcome_kind::delivered;
    out.code = "smtp_2xx";
    out.reply_code = r.code;
    out.status = r.status.str();
    out.detail = r.summary();
    return out;
}

// `alone`: the failure concerns this recipient only, so an address failure
// in it is this address's.
recipient_result failed(std::string address, const failure& f, std::string_view peer, bool alone) {
    recipient_result out;
    out.address = std::move(address);
    const auto v = classify(f);
    out.kind = kind_of(v.sev);
    out.code = code_name(f.code);
    out.why = v;
    out.detail = explain(f, peer);
    if (f.peer_reply) {
        out.reply_code = f.peer_reply->code;
        out.status = f.peer_reply->status.str();
        out.suppress = alone && is_address_failure(*f.peer_reply);
    }
    return out;
}

std::size_t accepted(const transcript& t) {
    std::size_t n = 0;
    for (const auto& r : t.rcpt)
        n += r && r->positive() ? 1 : 0;
    return n;
}

recipient_result decide(std::string address, const std::optional<reply>& rcpt,
                        const std::optional<failure>& skipped, const transcript& t,
                        std::string_view peer) {
    if (skipped) return failed(std::move(address), *skipped, peer, false);
    if (rcpt && !rcpt->positive())
        return failed(std::move(address), failure_from_reply(phase::rcpt, *rcpt), peer, true);
    const bool alone = accepted(t) == 1;
    if (rcpt && t.final_reply) {
        if (t.final_reply->positive()) return delivered(std::move(address), *t.final_reply);
        return failed(std::move(address), failure_from_reply(phase::data_done, *t.final_reply),
                      peer, alone);
    }
    if (t.failed) return failed(std::move(address), *t.failed, peer, alone && rcpt.has_value());
    // The session records a reply or a failure for every recipient; if a
    // bug ever breaks that, nothing was confirmed, and nothing was lost.
    return failed(std::move(address),
                  {phase::rcpt, smtp_errc::protocol_error, std::nullopt, "no reply recorded"}, peer,
                  false);
}

}  // namespace

send_result conclude(const envelope& env, const transcript& t, std::string_view peer) {
    send_result out;
    out.recipients.reserve(env.rcpt_to.size());
    for (std::size_t i = 0; i < env.rcpt_to.size(); ++i) {
        const std::optional<reply> none;
        const std::optional<failure> sent;
        const auto& rcpt = i < t.rcpt.size() ? t.rcpt[i] : none;
        const auto& skipped = i < t.skipped.size() ? t.skipped[i] : sent;
        out.recipients.push_back(decide(env.rcpt_to[i], rcpt, skipped, t, peer));
    }
    out.summarise();
    if (out.recipients.empty() && t.failed) {  // an envelope without recipients
        const auto v = classify(*t.failed);
        out.kind = kind_of(v.sev);
        out.code = code_name(t.failed->code);
        out.detail = explain(*t.failed, peer);
    }
    return out;
}

std::vector<std::string> send_result::retry_recipients() const {
    std::vector<std::string> out;
    for (const auto& r : recipients)
        if (r.kind == outcome_kind::deferred) out.push_back(r.address);
    return out;
}

std::vector<std::string> send_result::recipients_of(outcome_kind k) const {
    std::vector<std::string> out;
    for (const auto& r : recipients)
        if (r.kind == k) out.push_back(r.address);
    return out;
}

void send_result::summarise() {
    kind = outcome_kind::bounced;  // no recipient at all: nothing can be sent
    for (auto k : {outcome_kind::deferred, outcome_kind::unknown, outcome_kind::delivered,
                   outcome_kind::bounced}) {
        auto it = std::find_if(recipients.begin(), recipients.end(),
                               [k](const recipient_result& r) { return r.kind == k; });
        if (it == recipients.end()) continue;
        kind = k;
        code = it->code;
        detail = it->detail;
        return;
    }
}

send_result combine(std::vector<send_result> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    send_result out;
    for (auto& p : parts) {
        if (p.reopens_at > 0 && (out.reopens_at == 0 || p.reopens_at < out.reopens_at))
            out.reopens_at = p.reopens_at;
        for (auto& r : p.recipients)
            out.recipients.push_back(std::move(r));
        if (out.relay.empty()) out.relay = std::move(p.relay);
    }
    out.summarise();
    return out;
}

send_result all_recipients(const envelope& env, outcome_kind kind, const error& e) {
    send_result r;
    r.kind = kind;
    r.code = std::string(e.name());
    r.detail = e.detail;
    for (const auto& a : env.rcpt_to)
        r.recipients.push_back({a, kind, r.code, 0, "", r.detail, std::nullopt, false});
    return r;
}

send_result unroutable(const envelope& env, const error& route_error) {
    const bool permanent =
        &route_error.code.category() == &dns::route_category() &&
        dns::is_permanent(static_cast<dns::route_errc>(route_error.code.value()));
    return all_recipients(env, permanent ? outcome_kind::bounced : outcome_kind::deferred,
                          route_error);
}

bool try_next_host(const send_result& r) {
    return !r.recipients.empty() &&
           std::all_of(r.recipients.begin(), r.recipients.end(), [](const recipient_result& x) {
               return x.kind == outcome_kind::deferred && x.why &&
                      (x.why->reach == scope::connection || x.why->reach == scope::destination);
           });
}

outcome_kind after_unknown(std::string_view policy) noexcept {
    return policy == "deferred" ? outcome_kind::deferred : outcome_kind::delivered;
}

std::vector<std::string> send_result::suppressed_recipients() const {
    std::vector<std::string> out;
    for (const auto& r : recipients)
        if (r.suppress) out.push_back(r.address);
    return out;
}

outcome to_outcome(const send_result& r) {
    const bool only_suspended =
        r.kind == outcome_kind::deferred && r.reopens_at > 0 &&
        std::all_of(r.recipients.begin(), r.recipients.end(), [](const recipient_result& x) {
            return x.kind != outcome_kind::deferred || x.code == "destination_suspended";
        });
    if (only_suspended) return outcome::postponed(r.code, r.detail, r.reopens_at);
    return {r.kind, r.code, r.detail, std::nullopt, true, r.relay};
}

health_signal health_of(const send_result& r) noexcept {
    bool failing = !r.recipients.empty();
    for (const auto& x : r.recipients) {
        if (x.kind == outcome_kind::delivered || x.kind == outcome_kind::bounced ||
            (x.why && x.why->reach == scope::recipient))
            return health_signal::working;
        const bool ours = x.code == "lease_lost" || x.code == "pool_closed" ||
                          x.code == "pool_timeout" || x.code == "destination_suspended";
        if (x.kind != outcome_kind::deferred || ours || !x.why) failing = false;
    }
    return failing ? health_signal::failing : health_signal::none;
}

}  // namespace herald::smtp
