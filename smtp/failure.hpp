// All of the SMTP client's failure policy (Postfix's smtp_trouble): what
// went wrong (`failure`: the phase, the cause, the peer's reply), what it
// means (`classify`: its scope and whether it is transient, permanent or
// unknown), and the result of one message (`conclude`: an outcome per
// recipient, with a summary and the recipients that deserve suppression).
// Pure functions: no I/O, no clock; every rule is a table row in a test.
//
// The rules:
//   2xx                          -> delivered
//   4xx reply                    -> transient (deferred)
//   5xx reply                    -> permanent (bounced)
//   421 in any phase             -> transient, connection scope (the peer is closing)
//   I/O failure, timeout, a malformed reply, before the end of DATA went out
//                                -> transient
//   the same after the end of DATA went out (phase data_done)
//                                -> unknown: the peer may have accepted the
//                                   message; resending it blindly would
//                                   duplicate it. Never deferred.
//   TLS, AUTH, no free connection -> transient, destination scope
//   message over the peer's SIZE, an invalid envelope -> permanent, message
//   an address needing SMTPUTF8 the peer does not offer -> permanent:
//                                   recipient scope for a recipient's own
//                                   address, message scope otherwise
// Scope: RCPT replies are per recipient; MAIL, DATA and end-of-DATA replies
// per message; I/O failures per connection; failures before the first
// MAIL (connect, greeting, EHLO, STARTTLS, AUTH) per destination.
// Suppression: a permanent 5.1.1, 5.1.2, 5.1.3, 5.1.6 or 5.1.10 (RFC 3463,
// RFC 7505: the address does not exist or cannot take mail) given to one
// recipient: at RCPT, or at DATA / end of DATA when it was the only one.
//
// Limits: diagnostics quote at most 300 printable bytes of a reply.
#pragma once

#include "core/transport.hpp"
#include "smtp/envelope.hpp"
#include "smtp/errors.hpp"
#include "smtp/reply.hpp"
#include "smtp/timeouts.hpp"

#include <optional>
#include <string>
#include <vector>

namespace herald::smtp {

// ---- what went wrong --------------------------------------------------------

struct failure {
    phase where = phase::connect;
    smtp_errc code = smtp_errc::protocol_error;
    std::optional<reply> peer_reply;  // the reply that failed, when there was one
    std::string detail;               // our words: the I/O error, OpenSSL's reason
};

// A reply that is not the one expected: 4xx -> reply_transient, 5xx ->
// reply_permanent, anything else (e.g. 250 to DATA) -> protocol_error.
failure failure_from_reply(phase where, reply r);

// ---- what it means ----------------------------------------------------------

enum class scope { recipient, message, connection, destination };
enum class severity { transient, permanent, unknown };

struct verdict {
    scope reach = scope::message;
    severity sev = severity::transient;
    bool operator==(const verdict&) const = default;
};

verdict classify(const failure& f) noexcept;
outcome_kind kind_of(severity s) noexcept;
std::string_view to_string(scope s) noexcept;

// Whether the connection can carry another command after `f`.
bool connection_survives(const failure& f) noexcept;

// A permanent address failure (5.1.1, 5.1.2, 5.1.3, 5.1.6, 5.1.10).
bool is_address_failure(const reply& r) noexcept;

// Postfix-like words: "host mx.example[192.0.2.1]:25 said: 550 5.1.1 ...
// (in reply to RCPT TO)", "lost connection with ... while sending RCPT TO".
std::string explain(const failure& f, std::string_view peer);

// ---- one message's result ---------------------------------------------------

struct recipient_result {
    std::string address;
    outcome_kind kind = outcome_kind::deferred;
    std::string code;    // "smtp_2xx", or the failure's code name ("smtp_5xx", "timeout", ...)
    int reply_code = 0;  // the deciding reply, 0 when there was none
    std::string status;  // its enhanced status, "5.1.1", or ""
    std::string detail;  // explain() or the accepting reply
    std::optional<verdict> why;  // empty when delivered
    bool suppress = false;       // a permanent address failure: stop sending to it
};

// The result of one send. `kind` summarises the recipients: deferred when
// any is deferred, else unknown when any is unknown, else delivered when
// any is delivered, else bounced. A caller that retries must retry only
// retry_recipients(): the others were delivered, bounced or may have been.
struct send_result {
    outcome_kind kind = outcome_kind::deferred;
    std::string code;    // of the first recipient with the summary's kind
    std::string detail;  // likewise
    std::vector<recipient_result> recipients;
    millis reopens_at = 0;  // > 0: when the first suspended destination may open
    std::string relay;      // the host that answered ("host[address]:port"), for the log

    std::vector<std::string> retry_recipients() const;
    std::vector<std::string> suppressed_recipients() const;
    std::vector<std::string> delivered_recipients() const {
        return recipients_of(outcome_kind::delivered);
    }
    std::vector<std::string> recipients_of(outcome_kind k) const;
    // Sets kind, code and detail from the recipients (the rule above).
    void summarise();
};

// The facts of one transaction as the session saw them.
struct transcript {
    std::vector<std::optional<reply>> rcpt;  // per recipient, in envelope order
    std::optional<reply> final_reply;        // to the end of DATA
    std::optional<failure> failed;           // what ended the transaction early
    // Per recipient (or empty): never offered to the peer, and why.
    std::vector<std::optional<failure>> skipped;
};

send_result conclude(const envelope& env, const transcript& t, std::string_view peer);

// One result from several transactions (one per recipient domain), with
// the same summary rule as a single one.
send_result combine(std::vector<send_result> parts);

// Every recipient of `env` with one verdict, for a failure before any
// transaction.
send_result all_recipients(const envelope& env, outcome_kind kind, const error& e);

// Every recipient of `env` when their domain cannot be routed (dns/mx_route):
// bounced when the route error is permanent (no such domain, null MX, a
// loop), else deferred.
send_result unroutable(const envelope& env, const error& route_error);

// Worth trying the next MX host: nothing was decided for any recipient
// beyond "this host or connection did not work".
bool try_next_host(const send_result& r);

// The whole message as a transport outcome (the summary, its code and
// detail). Deferred only because destinations are suspended: postponed to
// reopens_at, using no attempt.
outcome to_outcome(const send_result& r);

// What a send says of the destination's health (ratelimit/destination_health):
// failing when every recipient was deferred by the destination as a whole
// (refused or dropped connections, 421, a 4xx to MAIL or DATA); working
// when it answered like a working server (any 2xx, a reply for one
// recipient, a 5xx); nothing when the cause was ours (lease, pool) or the
// outcome is unknown.
enum class health_signal { none, failing, working };
health_signal health_of(const send_result& r) noexcept;

// No answer after the final dot: the tenant's smtp.unknown_outcome (else
// the config's) says what that counts as. "deferred" retries and may
// duplicate; anything else ("delivered", the default) never resends.
outcome_kind after_unknown(std::string_view policy) noexcept;

}  // namespace herald::smtp
