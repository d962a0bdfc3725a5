#include "core/transport.hpp"

namespace herald {

std::string_view to_string(outcome_kind k) noexcept {
    switch (k) {
        case outcome_kind::delivered:
            return "delivered";
        case outcome_kind::deferred:
            return "deferred";
        case outcome_kind::bounced:
            return "bounced";
        case outcome_kind::unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace herald
