// SPF macros (RFC 7208 §7): parsing a macro-string once, when its record
// is parsed, and expanding it for one evaluation.
//
//   auto m = parse_macro_string("%{ir}.%{v}._spf.%{d2}", macro_use::domain_spec);
//   expand(*m, ctx)  // "3.2.0.192.in-addr._spf.example.com"
//
// Letters s l o d i p h v everywhere, c r t only in explanations (exp=
// TXT); an uppercase letter URL-escapes its value (§7.3). Transformers:
// a nonzero digit count of right-hand parts, then `r` to reverse;
// delimiters `.-+,/_=` (default "."); `%%` `%_` `%-` are "%", " ", "%20".
// `%{p}` needs DNS, so the caller resolves it (check_host) and passes the
// name in the context.
//
// Error contract: a syntax error is `invalid_argument` naming the
// position; the record parser turns it into permerror. Expansion cannot
// fail. Limits: a macro-string of at most 1024 octets (a TXT record's
// practical size), digit counts above 128 mean "all".
#pragma once

#include "core/error.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::domains::spf {

struct macro_part {
    std::string literal;      // text copied as is (when letter == 0)
    char letter = 0;          // 's' 'l' 'o' 'd' 'i' 'p' 'h' 'c' 'r' 't' 'v', lowercase
    bool url_escape = false;  // the letter was uppercase
    int digits = 0;           // keep this many right-hand parts; 0: all
    bool reverse = false;
    std::string delimiters;  // empty: "."
};

struct macro_string {
    std::vector<macro_part> parts;
    std::string text;             // as written
    bool ends_in_expand = false;  // the last token is %{...}, %%, %_ or %-

    bool uses(char letter) const noexcept;
    bool empty() const noexcept { return parts.empty(); }
};

enum class macro_use {
    domain_spec,  // a mechanism's or modifier's argument: no c r t, no spaces
    explanation,  // the TXT record an exp= points to: every letter, spaces allowed
};

herald::result<macro_string> parse_macro_string(std::string_view text, macro_use use);

// A domain-spec also ends in a macro or in "." toplabel (§4.6.1).
bool has_domain_end(const macro_string& m) noexcept;

struct macro_context {
    std::string sender;                // s: local-part@domain ("postmaster@" + domain when empty)
    std::string domain;                // d: the domain whose record is evaluated
    boost::asio::ip::address ip;       // i c v (IPv4-mapped IPv6 already made IPv4)
    std::string helo;                  // h
    std::string validated;             // p: the validated name, or "unknown"
    std::string receiver = "unknown";  // r
    std::int64_t now = 0;              // t: seconds since the epoch
};

std::string expand(const macro_string& m, const macro_context& ctx);

// A name made from an expansion, cut to 253 octets by removing whole
// labels from the left (§4.8); a final dot is dropped.
std::string fit_domain(std::string name);

// The local-part and domain of a sender, as l and o see them.
std::string local_part(std::string_view sender);
std::string sender_domain(std::string_view sender);

}  // namespace herald::domains::spf
