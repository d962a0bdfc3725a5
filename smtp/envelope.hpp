// What one SMTP transaction sends beside the data: the envelope's addresses
// (from mime::render, less the recipients already reached or suppressed)
// and the send lease the session asks right before the final dot.
#pragma once

#include "core/transport.hpp"

#include <string>
#include <vector>

namespace herald::smtp {

struct envelope {
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    send_lease* lease = nullptr;  // null: always commit
};

}  // namespace herald::smtp
