#include "api/errors.hpp"

namespace herald::api {
namespace {

constexpr error_row k_codes[] = {
    code_row(api_errc::invalid_json, "invalid_json", 400),
    code_row(api_errc::unknown_field, "unknown_field", 400),
    code_row(api_errc::unauthorized, "unauthorized", 401),
    code_row(api_errc::forbidden, "forbidden", 403),
    code_row(api_errc::not_found, "not_found", 404),
    code_row(api_errc::method_not_allowed, "method_not_allowed", 405),
    code_row(api_errc::conflict, "conflict", 409),
    code_row(api_errc::headers_too_large, "headers_too_large", 431),
    code_row(api_errc::too_many_connections, "too_many_connections", 503),
    code_row(api_errc::draining, "draining", 503),
};

}  // namespace

const error_category& api_category() noexcept {
    static const table_category cat("herald.api", k_codes);
    return cat;
}

std::error_code make_error_code(api_errc e) noexcept {
    return {static_cast<int>(e), api_category()};
}

error make_error(api_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::api
