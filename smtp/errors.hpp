// Errors of the SMTP client: why a delivery did not complete. Codes name
// the cause only: what a cause means for the message (retry, bounce,
// unknown) depends on the protocol phase too and is decided in one place,
// smtp/failure. Rendering and signing have their own (mime/errors,
// dkim/errors). Names are part of the public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::smtp {

enum class smtp_errc {
    invalid_envelope = 1,   // 400: no recipients, or an address the session cannot write
    connect_failed,         // 502: the TCP connection could not be made
    timeout,                // 504: a phase's deadline passed (smtp/timeouts.hpp)
    connection_lost,        // 502: the peer closed or reset the connection
    protocol_error,         // 502: a malformed, oversized or unexpected reply
    reply_transient,        // 503 "smtp_4xx": the peer answered 4xx
    reply_permanent,        // 502 "smtp_5xx": the peer answered 5xx
    tls_unavailable,        // 502: TLS is required and the peer offers or accepts no STARTTLS
    tls_failed,             // 502: the TLS handshake failed
    tls_verify_failed,      // 502: the certificate is not trusted or names another host
    auth_unavailable,       // 502: credentials are set and the peer offers no PLAIN or LOGIN
    auth_insecure,          // 502: AUTH refused without TLS (allow_plaintext is off)
    auth_failed,            // 502: the peer refused the credentials
    peer_size_exceeded,     // 413: the message exceeds the peer's announced SIZE
    pool_timeout,           // 503: no connection to the destination became free in time
    pool_closed,            // 503: the pool was closed
    lease_lost,             // 503: the send lease lapsed before the final dot: not sent
    destination_suspended,  // 503: it failed repeatedly; nobody connects to it for now
    smtputf8_unsupported,   // 502: an address needs SMTPUTF8 and the peer does not offer it
};

const error_category& smtp_category() noexcept;
std::error_code make_error_code(smtp_errc e) noexcept;
error make_error(smtp_errc e, std::string detail);

}  // namespace herald::smtp

template <>
struct std::is_error_code_enum<herald::smtp::smtp_errc> : std::true_type {};
