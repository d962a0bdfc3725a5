// Mailboxes: parsing the model's address strings ("ann@example.com",
// "Ann <ann@example.com>", "\"Doe, Ann\" <ann@example.com>"), checking
// them, and writing them into a header. Domains become lower-case
// A-labels through libidn2 (IDNA2008 with TR46 non-transitional mapping,
// NFC input).
//
// A local part may be UTF-8 (RFC 6531 §3.3: UTF8-non-ascii joins atext
// and qtextSMTP): the address then needs SMTPUTF8 to travel, and the
// message carries it raw in its header fields (RFC 6532). It is taken as
// written: valid UTF-8 is required, NFC is not (RFC 6530 §10.1 leaves
// normalisation to the address's owner, who may not use NFC).
//
// Error contract: header_injection for CR or LF anywhere; invalid_address
// for everything else: bad syntax, a local part that is not valid UTF-8,
// address literals ("[192.0.2.1]", not supported), a domain libidn2
// refuses or with a label that is not LDH, and the RFC 5321 §4.5.3.1
// limits, counted in octets as RFC 6531 §3.3 says: local part ≤ 64
// octets, domain ≤ 255, path ("<local@domain>") ≤ 256.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace herald::mime {

struct mailbox {
    std::string display_name;  // UTF-8, unquoted; empty when there is none
    std::string local_part;    // UTF-8, as written: a dot-atom or a quoted-string
    std::string domain;        // ASCII, A-labels

    std::string addr_spec() const { return local_part + '@' + domain; }  // the envelope form
    // A non-ASCII local part: only a peer offering SMTPUTF8 may take it.
    bool needs_smtputf8() const noexcept;
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
