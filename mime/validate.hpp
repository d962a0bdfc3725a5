// Whether an email can be sent as written: every check rendering makes
// (addresses with IDN, UTF-8 local parts and RFC 5321 lengths, header names and values, CR or
// LF anywhere, values that fold within 998 octets, reserved fields,
// attachments' types, names, Content-IDs and base64), without writing the
// body: render()'s own header writing and body building, stopped before
// the body's bytes are written (and before render()'s max_bytes check),
// so a message that validates is one the smtp transport can render.
//
// The doors call it after core's parse_message (which checks the JSON's
// shape and the caps: recipients, headers, attachments, sizes); the smtp
// transport meets the same checks in render(), the capture transport calls
// it. A refusal names the field: invalid_address at "to[3]".
#pragma once

#include "core/error.hpp"
#include "core/message.hpp"

namespace herald::mime {

result<void> validate(const email_message& m);

// For either channel: an email is validated as above; an SMS's shape was
// checked by parse_message, and its numbers are the sms folder's
// (sms/validate.hpp, at every door).
inline result<void> validate(const message& m) {
    if (const auto* e = std::get_if<email_message>(&m.content)) return validate(*e);
    return {};
}

}  // namespace herald::mime
