// The message the mime tests start from, and the clock they render with.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"

namespace herald::mime::samples {

inline const test_clock k_clock(1795679092742);  // Thu, 26 Nov 2026 07:44:52 +0000

inline email_message basic() {
    email_message m;
    m.from = "Shop <shop@example.com>";
    m.to = {"ann@example.org"};
    m.subject = "Your order";
    m.text = "Hello Ann,\nyour order has shipped.\n";
    return m;
}

}  // namespace herald::mime::samples
