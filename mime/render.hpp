// Rendering: a herald email_message becomes the exact RFC 5322 / MIME text
// to sign and send (CRLF line ends, no line over 998 characters, folded at
// 78 where possible), plus the envelope's addresses with A-label domains.
//
// Header fields, in this order: From, To, Cc, Reply-To, Subject, Date,
// Message-ID (<message_id@from-domain>), MIME-Version, List-Unsubscribe
// and List-Unsubscribe-Post (when asked), the model's extra headers in
// their order, then Content-Type and Content-Transfer-Encoding. Bcc is
// never written: its addresses appear only in the envelope. The body's
// structure is mime_body's. Output is deterministic for a given message,
// options and clock reading.
//
// Internationalised addresses (RFC 6531/6532): an address with a UTF-8
// local part is written raw, in the envelope and in its header field
// (display names and other text stay RFC 2047 words, valid either way),
// and the message needs SMTPUTF8. Everything else stays 7-bit ASCII, so a
// message without such an address renders exactly as before.
//
// Error contract (codes in mime/errors.hpp), nothing rendered on error:
// header_injection (CR/LF in any header value, name or address),
// invalid_address (see address.hpp; also no recipient at all),
// invalid_header (bad header name, control characters, invalid UTF-8, an
// unfoldable value, a bad message id or unsubscribe URI), reserved_header
// (an extra header naming a field herald writes, Bcc, Sender, Return-Path,
// DKIM-Signature, Received or any Content-*), invalid_attachment (body.hpp),
// message_too_large (over max_bytes).
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/message.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace herald::mime {

struct render_options {
    std::string message_id;            // herald's message id: [A-Za-z0-9._-], 1-64 characters
    std::string unsubscribe_url;       // "https://..." : also List-Unsubscribe-Post (RFC 8058)
    std::string unsubscribe_mailto;    // "mailto:..."
    std::size_t max_bytes = 25 << 20;  // the whole rendered message, before DKIM-Signature
};

struct rendered_message {
    std::string data;                  // ends in CRLF; not dot-stuffed (smtp/dot_stuff.hpp)
    std::string mail_from;             // From's addr-spec
    std::vector<std::string> rcpt_to;  // To, Cc, Bcc addr-specs, first occurrence of each
    // Some address has a UTF-8 local part: the envelope or the header
    // fields can only go to a peer that offers SMTPUTF8.
    bool needs_smtputf8 = false;
    // From, To, Cc or Reply-To holds such an address, raw (RFC 6532): the
    // data itself needs SMTPUTF8. False when only Bcc (the envelope) has one.
    bool utf8_headers = false;
};

result<rendered_message> render(const email_message& m, const render_options& options,
                                const clock& clock);

}  // namespace herald::mime
