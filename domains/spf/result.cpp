#include "domains/spf/result.hpp"

namespace herald::domains::spf {

std::string_view to_string(result r) noexcept {
    switch (r) {
        case result::none:
            return "none";
        case result::neutral:
            return "neutral";
        case result::pass:
            return "pass";
        case result::fail:
            return "fail";
        case result::softfail:
            return "softfail";
        case result::temperror:
            return "temperror";
        case result::permerror:
            return "permerror";
    }
    return "permerror";
}

result result_of(qualifier q) noexcept {
    switch (q) {
        case qualifier::pass:
            return result::pass;
        case qualifier::fail:
            return result::fail;
        case qualifier::softfail:
            return result::softfail;
        case qualifier::neutral:
            return result::neutral;
    }
    return result::neutral;
}

char symbol(qualifier q) noexcept {
    switch (q) {
        case qualifier::pass:
            return '+';
        case qualifier::fail:
            return '-';
        case qualifier::softfail:
            return '~';
        case qualifier::neutral:
            return '?';
    }
    return '?';
}

}  // namespace herald::domains::spf
