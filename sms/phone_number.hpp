// Phone numbers through libphonenumber (never our own tables): parsed with
// a default region for national numbers, validated, and written in E.164
// ("+14155552671"), the one form herald keys suppressions, dedupe and
// rate limits by. Sender ids are an E.164 number or an alphanumeric id of
// at most 11 GSM-7 characters with at least one letter.
//
// Errors: invalid_message naming `field` ("to", "from") and saying why
// (not a number, invalid for its region, too short, ...).
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace herald::sms {

// An ISO 3166 region libphonenumber knows ("US", "GB", ...).
bool known_region(std::string_view region);

result<std::string> to_e164(std::string_view number, std::string_view default_region,
                            std::string_view field = "to");

// `from` as a provider is given it: E.164 for a number, unchanged for an
// alphanumeric id.
result<std::string> check_sender_id(std::string_view from, std::string_view default_region,
                                    std::string_view field = "from");

}  // namespace herald::sms
