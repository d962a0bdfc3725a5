// Errors of the smtp folder: what rendering and signing refuse. Rendering
// refuses a message that cannot be sent safely (the producer's fault, 4xx:
// it will never succeed, so it is not retried); signing fails only on a bad
// key or a library failure (herald's fault, 500). Names are part of the
// public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::smtp {

enum class smtp_errc {
    header_injection = 1,  // 400: CR or LF inside a header value, name or address
    invalid_address,       // 400: an address fails RFC 5321/5322 syntax or length limits
    invalid_header,        // 400: a header name or value that cannot be written safely
    reserved_header,       // 400: an extra header would replace one herald writes
    invalid_attachment,    // 400: not base64, a bad content type, filename or Content-ID
    message_too_large,     // 413: the rendered message exceeds the configured maximum
    dkim_invalid_key,      // 500: a DKIM private key that cannot be parsed or used
    dkim_failed,           // 500: the signing library failed (detail says where)
};

const error_category& smtp_category() noexcept;
std::error_code make_error_code(smtp_errc e) noexcept;
error make_error(smtp_errc e, std::string detail);

}  // namespace herald::smtp

template <>
struct std::is_error_code_enum<herald::smtp::smtp_errc> : std::true_type {};
