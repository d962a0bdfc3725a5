// What one SMTP transaction sends beside the data: the envelope's addresses
// (from mime::render, less the recipients already reached or suppressed)
// and the send lease the session asks right before the final dot. An
// address with a UTF-8 local part needs SMTPUTF8 (RFC 6531); so does the
// data when its header fields carry one (mime::rendered_message).
#pragma once

#include "core/transport.hpp"

#include <string>
#include <vector>

namespace herald::smtp {

struct envelope {
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    send_lease* lease = nullptr;  // null: always commit
    bool utf8_headers = false;    // the data needs SMTPUTF8 (RFC 6532 header fields)
};

}  // namespace herald::smtp
