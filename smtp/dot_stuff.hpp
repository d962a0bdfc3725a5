// SMTP transparency (RFC 5321 §4.5.2): in DATA, a line starting with '.'
// gets one more '.', so no line of the message reads as the end-of-data
// marker. It belongs on the wire, not in rendering: the rendered (and
// DKIM-signed) message is the unstuffed one.
//
// Contract: the input uses CRLF line ends (render's output); a '.' after a
// lone LF is stuffed too, so a lenient server cannot misread it. The
// output does not add the final ".\r\n". Never fails; output is at most
// about twice the input.
#pragma once

#include <string>
#include <string_view>

namespace herald::smtp {

std::string dot_stuff(std::string_view message);

}  // namespace herald::smtp
