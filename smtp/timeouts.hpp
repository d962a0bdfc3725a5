// The phases of an SMTP client session, one deadline per phase, and the
// words diagnostics use for each ("... while sending RCPT TO").
//
// Defaults are RFC 5321 §4.5.3.2's minimums where it gives one (connect is
// Postfix's smtp_connect_timeout; STARTTLS, AUTH, RSET and QUIT follow
// Postfix's smtp_*_timeout). A deadline covers one step: the whole reply
// to one command (every line of it), one connect, one TLS handshake, or
// one block of the message body, never the session. Tests shorten them.
//
// Limits: none; no errors. Each phase also says whether the peer may
// already hold the message (only after the end of DATA was sent).
#pragma once

#include <chrono>
#include <string_view>

namespace herald::smtp {

using std::chrono::milliseconds;

enum class phase {
    connect,     // TCP connect
    greeting,    // waiting for the 220 banner
    ehlo,        // EHLO and its reply
    helo,        // HELO, after EHLO was refused with 5xx
    starttls,    // STARTTLS, its reply and the TLS handshake
    auth,        // the AUTH exchange
    mail,        // MAIL FROM (and, pipelined, the write of the whole group)
    rcpt,        // RCPT TO
    data,        // DATA and its 354
    data_block,  // writing the message body
    data_done,   // waiting for the reply to the final "." (the message may be delivered)
    rset,        // RSET before reusing the connection
    quit,        // QUIT
};

struct timeouts {
    milliseconds connect{std::chrono::seconds(30)};
    milliseconds greeting{std::chrono::minutes(5)};
    milliseconds ehlo{std::chrono::minutes(5)};  // HELO too
    milliseconds starttls{std::chrono::minutes(5)};
    milliseconds auth{std::chrono::minutes(5)};
    milliseconds mail{std::chrono::minutes(5)};
    milliseconds rcpt{std::chrono::minutes(5)};
    milliseconds data{std::chrono::minutes(2)};
    milliseconds data_block{std::chrono::minutes(3)};
    milliseconds data_done{std::chrono::minutes(10)};
    milliseconds rset{std::chrono::seconds(20)};
    milliseconds quit{std::chrono::minutes(5)};

    milliseconds of(phase p) const noexcept;

    // Every deadline set to `d`: handy for tests.
    static timeouts all(milliseconds d) noexcept;
};

// "while <describe(p)>" reads as a diagnostic, e.g. "sending RCPT TO".
std::string_view describe(phase p) noexcept;

// The command a reply in this phase answers, for "(in reply to ...)":
// "RCPT TO", "end of DATA", "initial greeting", ...
std::string_view command_name(phase p) noexcept;

// The phase's name in logs and results: "rcpt", "data_done", ...
std::string_view to_string(phase p) noexcept;

// After the end of DATA went out: the peer may have accepted the message.
constexpr bool message_may_be_delivered(phase p) noexcept {
    return p == phase::data_done;
}

}  // namespace herald::smtp
