// One SMTP client connection, reading top to bottom like the protocol
// (Postfix's smtp_proto): open() = connect, greeting, EHLO (HELO when EHLO
// is refused with 5xx), STARTTLS and EHLO again, AUTH; then send() per
// message = MAIL FROM (SIZE=, BODY=8BITMIME when announced, SMTPUTF8 when
// the message needs it), RCPT TO per
// recipient, DATA, the dot-stuffed body and CRLF.CRLF, with MAIL/RCPT/DATA
// pipelined when the peer offers PIPELINING and the options allow it (for
// up to 100 recipients; more go one by one);
// reset() (RSET) before the connection carries another message; quit().
//
// SMTPUTF8 (RFC 6531): a message needs it when an envelope address has a
// UTF-8 local part or its header fields carry one (envelope::utf8_headers).
// A peer that offers it gets MAIL FROM:<...> SMTPUTF8, with BODY=8BITMIME
// when the data has 8-bit octets and 8BITMIME is offered (UTF-8 header
// fields are 8-bit data; RFC 6531 §3.1 makes an SMTPUTF8 server offer
// 8BITMIME). A peer that does not offer it never sees a UTF-8 byte: the
// recipients whose own address needs it fail with smtputf8_unsupported
// (permanent, recipient scope) and the others are sent; but when the
// sender needs it, or the header fields carry UTF-8, the whole message
// fails so (message scope). herald does not downgrade: RFC 6530 §7
// forbids downgrading in transit, a rewritten To/From would differ from
// what the other recipients see, and the DKIM signature covers those
// fields. Any recipients that are dropped make no RCPT and no
// transaction; if none are left, nothing is sent.
//
// Error contract: open() and reset() answer a `failure`, after which the
// session is dead. send() never fails as a call: it answers a send_result
// with every recipient's outcome (smtp/failure.hpp decides what each reply
// or error means). A message over the peer's SIZE is refused before any
// command is sent. After a failure whose scope is wider than the message
// (I/O, timeout, 421, a malformed reply) the session is dead: usable() is
// false and the caller drops it. A timeout or lost connection once the
// final "." is out is `unknown`, never deferred.
//
// Limits: per-phase deadlines (timeouts.hpp); replies bounded
// (reply_limits); envelope addresses at most 256 bytes without control
// characters or angle brackets (anything else is refused, never sent: it
// could inject a command). The body is written in blocks of 64 KiB, each
// with the data_block deadline.
//
// Thread model: one coroutine uses a session at a time, on one executor
// that does not run handlers concurrently (smtp/pool keeps to that).
#pragma once

#include "smtp/auth.hpp"
#include "smtp/chat.hpp"
#include "smtp/envelope.hpp"
#include "smtp/extensions.hpp"
#include "smtp/failure.hpp"
#include "smtp/timeouts.hpp"
#include "smtp/tls.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace herald::smtp {

// Where to deliver: `host` is the name TLS checks and SNI carries (the MX
// or relay name), `address` what to connect to. No DNS here.
struct destination {
    std::string host;
    asio::ip::address address;
    std::uint16_t port = 25;

    std::string str() const;  // "host[address]:port", for diagnostics
    bool operator==(const destination&) const = default;
};

struct session_options {
    std::string helo_name = "localhost";  // our name in EHLO/HELO: a FQDN in production
    tls_policy tls;
    std::optional<credentials> auth;
    bool pipelining = true;  // pipeline MAIL/RCPT/DATA when the peer offers it
    timeouts limits;
    reply_limits replies;
};

class session {
public:
    // `tls` comes from make_tls_context(options.tls); null when mode is none.
    session(asio::any_io_executor ex, destination dest, session_options options,
            std::shared_ptr<asio::ssl::context> tls);

    asio::awaitable<step<void>> open();
    asio::awaitable<send_result> send(const envelope& env, std::string_view data);
    asio::awaitable<step<void>> reset();
    // QUIT when the connection is still good, then close; never fails.
    // The answer changes nothing, so a caller on its way out may wait less
    // than limits.quit for it (`within`).
    asio::awaitable<void> quit();
    asio::awaitable<void> quit(milliseconds within);

    bool usable() const noexcept { return open_ && !dead_; }
    std::size_t transactions() const noexcept { return transactions_; }
    const extensions& peer() const noexcept { return ext_; }
    bool tls_active() const noexcept { return chat_.tls_active(); }
    const destination& where() const noexcept { return dest_; }

private:
    // Steps of open().
    asio::awaitable<step<void>> greet();
    asio::awaitable<step<void>> hello();
    asio::awaitable<step<void>> start_tls();
    asio::awaitable<step<reply>> command(std::string line, phase p);
    asio::awaitable<step<reply>> command(std::string line, phase p, milliseconds within);

    // Steps of send().
    std::optional<failure> refuse_early(const envelope& env, std::string_view data) const;
    std::string mail_command(const envelope& env, std::string_view data) const;
    asio::awaitable<void> transact(const envelope& env, std::string_view data, transcript& t);
    asio::awaitable<void> exchange(const envelope& env, std::string_view data, transcript& t);
    asio::awaitable<void> exchange_stepwise(const envelope& env, std::string_view data,
                                            transcript& t);
    asio::awaitable<void> exchange_pipelined(const envelope& env, std::string_view data,
                                             transcript& t);
    asio::awaitable<void> finish_data(const reply& data_reply, std::string_view data,
                                      transcript& t);
    asio::awaitable<void> transfer(std::string_view data, transcript& t);
    asio::awaitable<void> end_empty_data();

    // Records a failure: the session dies unless the failure spares the connection.
    failure note(failure f);
    // The session dies whatever the failure.
    failure abandon(failure f);

    destination dest_;
    session_options opt_;
    std::shared_ptr<asio::ssl::context> tls_;
    chat chat_;
    extensions ext_;
    std::string peer_;  // dest_.str(), computed once
    bool open_ = false;
    bool dead_ = false;
    std::size_t transactions_ = 0;
    send_lease* lease_ = nullptr;  // of the transaction under way
};

}  // namespace herald::smtp
