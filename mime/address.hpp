// Mailboxes: parsing the model's address strings ("ann@example.com",
// "Ann <ann@example.com>", "\"Doe, Ann\" <ann@example.com>"), checking
// them, and writing them into a header. Domains become lower-case
// A-labels through libidn2 (IDNA2008 with TR46 non-transitional mapping,
// NFC input).
//
// Error contract: header_injection for CR or LF anywhere; invalid_address
// for everything else: bad syntax, a non-ASCII local part (that needs
// SMTPUTF8, which herald does not use), address literals ("[192.0.2.1]",
// not supported), a domain libidn2 refuses or with a label that is not
// LDH, and the RFC 5321 §4.5.3.1 limits: local part ≤ 64 octets, domain
// ≤ 255, path ("<local@domain>") ≤ 256.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace herald::mime {

struct mailbox {
    std::string display_name;  // UTF-8, unquoted; empty when there is none
    std::string local_part;    // ASCII, as written: a dot-atom or a quoted-string
    std::string domain;        // ASCII, A-labels

    std::string addr_spec() const { return local_part + '@' + domain; }  // the envelope form
};

result<mailbox> parse_mailbox(std::string_view text);

// The header form: the display name as atoms when it is plain ASCII words,
// a quoted-string when it has other ASCII, RFC 2047 encoded-words when it
// is not ASCII; then "<local@domain>". Without a display name, the bare
// addr-spec.
std::string format_mailbox(const mailbox& m);

// A domain in A-label form, lower-case: every domain goes through
// idn2_to_ascii_8z (which also checks "xn--" labels), then the result is
// checked for LDH labels of 1-63 octets, at least two labels and at most
// 255 octets.
result<std::string> to_ascii_domain(std::string_view domain);

}  // namespace herald::mime
