// Errors of DKIM signing: a bad key or a library failure. Both are herald's
// fault (500), worth another try once fixed, never the producer's. Names
// are part of the public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::dkim {

enum class dkim_errc {
    invalid_key = 1,  // 500 "dkim_invalid_key": a private key that cannot be parsed or used
    failed,           // 500 "dkim_failed": the signing library failed (detail says where)
};

const error_category& dkim_category() noexcept;
std::error_code make_error_code(dkim_errc e) noexcept;
error make_error(dkim_errc e, std::string detail);

}  // namespace herald::dkim

template <>
struct std::is_error_code_enum<herald::dkim::dkim_errc> : std::true_type {};
