// What a server announced in its EHLO reply (RFC 5321 §4.1.1.1): the
// service extensions the session uses. Each is honoured only when
// announced; a session that fell back to HELO has none.
//
// Contract: parsing never fails; unknown keywords are ignored, keywords
// and AUTH mechanisms compare case-insensitively, "AUTH=..." (an old
// spelling some servers still send) counts as AUTH. SIZE without a number,
// or SIZE 0, announces no fixed limit (RFC 1870 §4).
// Limits: as bounded as the reply (smtp/reply.hpp).
#pragma once

#include "smtp/reply.hpp"

#include <cstdint>
#include <optional>

namespace herald::smtp {

struct extensions {
    bool pipelining = false;                // RFC 2920
    bool starttls = false;                  // RFC 3207
    bool eightbitmime = false;              // RFC 6152
    bool smtputf8 = false;                  // RFC 6531: UTF-8 addresses and header fields
    bool enhanced_status = false;           // RFC 2034
    bool auth_plain = false;                // RFC 4954 / RFC 4616
    bool auth_login = false;                // draft-murchison-sasl-login
    bool size = false;                      // RFC 1870: SIZE= may be declared in MAIL FROM
    std::optional<std::uint64_t> max_size;  // the peer's fixed message size limit, if any
};

// From a positive EHLO reply; its first line (the server's name) is skipped.
extensions parse_extensions(const reply& ehlo);

}  // namespace herald::smtp
