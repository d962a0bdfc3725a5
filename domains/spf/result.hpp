// The seven results of RFC 7208 check_host() (§2.6) and the qualifiers
// that give a matching mechanism its result (§4.6.2).
#pragma once

#include <string_view>

namespace herald::domains::spf {

enum class result {
    none,       // no SPF record (or no usable domain): nothing was said
    neutral,    // the domain says nothing about this IP (`?`, or no term matched)
    pass,       // the IP is authorized
    fail,       // the IP is not authorized
    softfail,   // probably not authorized (`~`)
    temperror,  // DNS failed us (timeout, SERVFAIL): ask again later, never "fail"
    permerror,  // the published records cannot be evaluated: the domain owner must fix them
};

// "none" "neutral" "pass" "fail" "softfail" "temperror" "permerror"
std::string_view to_string(result r) noexcept;

enum class qualifier { pass, fail, softfail, neutral };  // + - ~ ?

result result_of(qualifier q) noexcept;
char symbol(qualifier q) noexcept;

}  // namespace herald::domains::spf
