// Header fields of a rendered message: the checks every value passes
// before it is written (CR or LF is header injection), folding, RFC 2047
// for unstructured text, and the Date format.
//
// Error contract: header_injection for CR or LF anywhere in a value;
// invalid_header for other control characters, invalid UTF-8, or a word
// too long to fold under the 998-character line limit (RFC 5322 §2.1.1).
// Limits: folding aims at 78 characters per line, breaking only before
// whitespace that the value already has (folding never changes a value).
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace herald::mime {

inline constexpr std::size_t k_fold_at = 78;
inline constexpr std::size_t k_max_line = 998;

// `what` names the value in the error detail ("subject", "header X-Tag").
result<void> check_header_text(std::string_view value, std::string_view what);

// Appends "Name: value" CRLF, folded. The name and value must already be
// checked.
result<void> append_field(std::string& out, std::string_view name, std::string_view value);

// Unstructured text (Subject, extra header values) as written in a field
// named `name`: unchanged when US-ASCII, else RFC 2047 encoded-words
// separated by spaces, sized so that the first one fits the first line.
// ASCII holding "=?" is encoded too, or a reader would decode it.
std::string unstructured_value(std::string_view name, std::string_view value);

// "Thu, 26 Nov 2026 08:34:11 +0000" (RFC 5322 §3.3), always UTC.
std::string rfc5322_date(millis ms);

}  // namespace herald::mime
