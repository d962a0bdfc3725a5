#include "sms/errors.hpp"

namespace herald::sms {
namespace {

constexpr error_row k_codes[] = {
    code_row(sms_errc::unknown_provider, "unknown_provider", 404),
    code_row(sms_errc::bad_signature, "bad_signature", 403),
    code_row(sms_errc::malformed_callback, "malformed_callback", 400),
    code_row(sms_errc::unknown_message, "unknown_message", 404),
};

}  // namespace

const error_category& sms_category() noexcept {
    static const table_category cat("herald.sms", k_codes);
    return cat;
}

std::error_code make_error_code(sms_errc e) noexcept {
    return {static_cast<int>(e), sms_category()};
}

error make_error(sms_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::sms
