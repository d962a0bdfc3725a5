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

}  // namespace herald::dns
