// DNS answers as herald values: the record types herald asks for, and the
// parsers that turn c-ares' raw answer (dns/ares_driver.hpp) into them.
//
// Error contract: a failed query maps its c-ares status to dns_errc
// (NXDOMAIN and NODATA stay distinct); an answer without records of the
// asked type is `dns_nodata` (also when only a CNAME came back); a
// malformed one is `dns_bad_response`. The detail names type and name.
//
// Limits: an answer is at most 64 KiB (TCP), which bounds every list here.
#pragma once

#include "core/error.hpp"
#include "dns/ares_driver.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::dns {

struct mx_record {
    std::uint16_t preference = 0;
    std::string host;  // without the final dot; "." is the root (a null MX)
};

// The dns_errc for a c-ares status other than ARES_SUCCESS.
error status_error(int status, std::string_view type, std::string_view name);

result<std::vector<mx_record>> parse_mx(const raw_answer& a, std::string_view name);
result<std::vector<boost::asio::ip::address>> parse_a(const raw_answer& a, std::string_view name);
result<std::vector<boost::asio::ip::address>> parse_aaaa(const raw_answer& a,
                                                         std::string_view name);
// One string per TXT record: its character-strings joined without
// separators (RFC 7208 §3.3), in the order the server gave.
result<std::vector<std::string>> parse_txt(const raw_answer& a, std::string_view name);
// The names of a PTR answer for `name` (a reverse name, see reverse_name),
// without final dots, in the order the server gave, duplicates dropped.
result<std::vector<std::string>> parse_ptr(const raw_answer& a, std::string_view name);

// The name a PTR query for `ip` asks: "4.3.2.1.in-addr.arpa" or the 32
// reversed nibbles under "ip6.arpa" (RFC 3596 §2.5).
std::string reverse_name(const boost::asio::ip::address& ip);

// How long, in seconds, the answer may be cached (RFC 2308): the lowest
// TTL of the answer section for an answer with records; for NXDOMAIN and
// NODATA the SOA of the authority section (the lower of its TTL and its
// MINIMUM). Nothing when it must not be cached: a failure, a negative
// answer without an SOA, or a message that does not parse.
std::optional<std::uint32_t> answer_ttl(const raw_answer& a);

}  // namespace herald::dns
