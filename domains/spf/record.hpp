// One SPF record (RFC 7208 §4.6, §5, §6) parsed into its terms, before any
// DNS: the whole record is checked first, so that a syntax error anywhere
// is a permerror without evaluating anything (§4.6).
//
//   auto r = parse_record("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all");
//   r->mechanisms[0].kind == mechanism_kind::ip4
//
// Mechanisms: all include a mx ptr ip4 ip6 exists, each with an optional
// qualifier (+ by default), names case-insensitive; a and mx take a
// domain-spec and a dual CIDR length (/N for IPv4, //N for IPv6), ip4 and
// ip6 a network and a length. Modifiers: redirect= and exp= at most once
// each, and unknown modifiers, whose value must still be a valid
// macro-string; they are kept and otherwise ignored (§6).
//
// Error contract: `invalid_argument` naming the term and the reason; the
// evaluator reports it as permerror. Limits: at most 512 terms.
#pragma once

#include "core/error.hpp"
#include "domains/spf/macro.hpp"
#include "domains/spf/result.hpp"

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::domains::spf {

enum class mechanism_kind { all, include, a, mx, ptr, ip4, ip6, exists };

std::string_view to_string(mechanism_kind k) noexcept;

struct mechanism {
    qualifier q = qualifier::pass;
    mechanism_kind kind = mechanism_kind::all;
    std::optional<macro_string> domain;  // include exists (required), a mx ptr (optional)
    boost::asio::ip::address network;    // ip4 ip6
    int cidr4 = 32;                      // ip4 a mx
    int cidr6 = 128;                     // ip6 a mx
    std::string text;                    // the term as written

    // Whether evaluating it costs one of the 10 DNS lookups (§4.6.4).
    bool counts_lookup() const noexcept;
};

struct modifier {
    std::string name;  // lowercase
    macro_string value;
    std::string text;  // the term as written
};

struct record {
    std::vector<mechanism> mechanisms;  // in order
    std::optional<modifier> redirect;
    std::optional<modifier> exp;
    std::vector<modifier> unknown;
};

// "v=spf1" alone or followed by a space, in any case (§4.5): the TXT
// records that are SPF records. Others at the same name are ignored.
bool is_spf_record(std::string_view txt) noexcept;

herald::result<record> parse_record(std::string_view text);

}  // namespace herald::domains::spf
