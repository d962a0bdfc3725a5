// The check every name passes before herald puts it on the wire. Names
// arrive in A-label form (the caller converts IDNs with libidn2), so any
// byte above 0x7f is a caller bug, not something to guess at.
//
// Accepted: 1..253 octets without the optional final dot, labels of 1..63
// octets, printable ASCII except space and backslash (c-ares reads '\' as
// an escape). Underscores and other symbols pass, because TXT owner names
// (`_dmarc`, `sel._domainkey`) and expanded SPF macros contain them.
//
// Error contract: `dns_bad_name` with the reason; nothing else.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace herald::dns {

// The name without its final dot, or why it cannot be queried.
result<std::string> normalize_name(std::string_view name);

}  // namespace herald::dns
