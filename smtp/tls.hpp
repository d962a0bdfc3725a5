// TLS for the SMTP client (STARTTLS, RFC 3207): the policy, the OpenSSL
// context built from it once per pool, and the per-connection setup and
// diagnosis of a handshake.
//
// Modes: `none` never starts TLS; `opportunistic` starts it when the peer
// offers STARTTLS and goes on in plain text when it does not (or refuses
// the command); `required` fails the connection when it cannot have TLS.
// With `verify` (the default) the certificate must chain to `ca_file` (or
// the system store when empty) and name the destination's host: a failed
// handshake or verification ends the connection in every mode, because
// falling back to plain text on the same connection is impossible and on
// a new one would let an attacker strip TLS. Relays: required + verify.
// Direct delivery to MX hosts usually wants opportunistic without verify.
//
// Error contract: make_tls_context() fails (errc::invalid_argument) on an
// unreadable CA file, at start-up; it reads files, so call it before the
// I/O threads run. diagnose() says why a handshake failed: tls_verify_failed
// with OpenSSL's verify reason ("hostname mismatch", "unable to get local
// issuer certificate"), otherwise tls_failed with the handshake error.
// Limits: TLS 1.2 or newer.
#pragma once

#include "core/error.hpp"
#include "smtp/errors.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <utility>

namespace herald::smtp {

enum class tls_mode { none, opportunistic, required };

struct tls_policy {
    tls_mode mode = tls_mode::required;
    bool verify = true;
    std::string ca_file;  // PEM bundle; empty: the system's trust store
};

// nullptr for mode none.
result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const tls_policy& p);

// Sets SNI (when `host` is a name) and, with `verify`, the name or address
// the certificate must carry. False when OpenSSL refuses the values.
bool prepare_client(SSL* ssl, const std::string& host, bool verify);

std::pair<smtp_errc, std::string> diagnose(SSL* ssl, const boost::system::error_code& ec);

}  // namespace herald::smtp
