// Errors of the SMS side that a caller acts on. A provider's refusal of one
// message is not an error but an outcome (sms/outcome.hpp); these are the
// calls that cannot proceed. Names are part of the public contract.
#pragma once

#include "core/error.hpp"

namespace herald::sms {

enum class sms_errc {
    unknown_provider = 1,  // 404: no [[sms.providers]] of that name
    bad_signature,         // 403: a receipt or inbound message without a valid provider signature
    malformed_callback,    // 400: a receipt or inbound message herald cannot read
    unknown_message,       // 404: a receipt for a message herald does not know (or no longer)
};

const error_category& sms_category() noexcept;
std::error_code make_error_code(sms_errc e) noexcept;
error make_error(sms_errc e, std::string detail);

}  // namespace herald::sms

template <>
struct std::is_error_code_enum<herald::sms::sms_errc> : std::true_type {};
