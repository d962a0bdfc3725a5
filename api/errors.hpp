// Errors of the HTTP door itself: the request, not the message it carries
// (whose codes come from core/ and the admission function). Each code
// names who must act: the client (4xx) or the platform (5xx).
#pragma once

#include "core/error.hpp"

namespace herald::api {

enum class api_errc {
    invalid_json = 1,      // 400: not JSON, not UTF-8, a duplicate key, a wrong type
    unknown_field,         // 400: a field the route does not take
    unauthorized,          // 401: no key, or a key that is unknown or revoked
    forbidden,             // 403: a tenant key on an admin route
    not_found,             // 404: no such route, or nothing the caller may see
    method_not_allowed,    // 405
    conflict,              // 409: it exists already
    headers_too_large,     // 431
    too_many_connections,  // 503: api.max_connections reached
    draining,              // 503: the server is shutting down
};

const error_category& api_category() noexcept;
std::error_code make_error_code(api_errc e) noexcept;
error make_error(api_errc e, std::string detail);

}  // namespace herald::api

template <>
struct std::is_error_code_enum<herald::api::api_errc> : std::true_type {};
