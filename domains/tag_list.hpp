// The tag=value lists of DKIM key records (RFC 6376 §3.2) and DMARC
// records (RFC 7489 §6.4), parsed once for both.
//
// Grammar: specs separated by ";", an optional ";" at the end; each spec
// is [ws] name [ws] "=" [ws] value [ws]; a name is a letter then letters,
// digits or "_"; a value is printable ASCII except ";", with whitespace
// (SP, HTAB, CR, LF: folding in a TXT record) allowed only inside it. An
// empty spec (";;"), a spec without "=", a bad name or a repeated name
// makes the whole list invalid.
//
// Error contract: a malformed list is a parse_result holding the reason,
// a sentence for the tenant; this is a verdict's input, never an error
// code. Limits: linear in the text; no allocation beyond the tags.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

// A value or why the text does not parse. Use *r and r.error(); GCC 12
// cannot compile value() for a non-error_code error type.
template <class T>
using parse_result = boost::system::result<T, std::string>;

struct tag {
    std::string name;   // as written (DKIM names are case-sensitive)
    std::string value;  // trimmed; inner whitespace kept
};

parse_result<std::vector<tag>> parse_tag_list(std::string_view text);

// The first tag named `name`, or nullptr.
const tag* find_tag(const std::vector<tag>& tags, std::string_view name);

// `text` without SP, HTAB, CR and LF anywhere (DKIM's p=, §3.6.1).
std::string without_whitespace(std::string_view text);

// `text` split at `sep`, each piece trimmed of whitespace; empty pieces
// are kept, so the caller can refuse them.
std::vector<std::string> split_list(std::string_view text, char sep);

bool is_ws(char c) noexcept;

}  // namespace herald::domains
