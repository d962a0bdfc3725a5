// application/x-www-form-urlencoded, both ways: what Twilio, Vonage and
// Kannel take in requests and send in callbacks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::sms {

using form_fields = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 unreserved characters kept, everything else %XX (space too, as
// Twilio's signature expects the URL as it was sent).
std::string url_escape(std::string_view s);
std::string form_encode(const form_fields& fields);
// Nothing when a %-escape is malformed; '+' is a space.
std::optional<form_fields> form_decode(std::string_view text);

}  // namespace herald::sms
