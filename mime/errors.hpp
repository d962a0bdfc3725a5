// Errors of rendering: a message that cannot be written safely as RFC 5322.
// Each is the producer's fault and will never succeed, so it is not retried
// (4xx). Names are part of the public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::mime {

enum class mime_errc {
    header_injection = 1,  // 400: CR or LF inside a header value, name or address
    invalid_address,       // 400: an address fails RFC 5321/5322 syntax or length limits
    invalid_header,        // 400: a header name or value that cannot be written safely
    reserved_header,       // 400: an extra header would replace one herald writes
    invalid_attachment,    // 400: not base64, a bad content type, filename or Content-ID
    message_too_large,     // 413: the rendered message exceeds the configured maximum
};

const error_category& mime_category() noexcept;
std::error_code make_error_code(mime_errc e) noexcept;
error make_error(mime_errc e, std::string detail);

}  // namespace herald::mime

template <>
struct std::is_error_code_enum<herald::mime::mime_errc> : std::true_type {};
