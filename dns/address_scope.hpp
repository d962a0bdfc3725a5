// Where an IP address leads: the public Internet, or somewhere a mail
// server must not be reached through DNS (this machine, a private
// network, a documentation range). Direct delivery refuses the latter, so
// that a hostile or broken MX record cannot turn herald into a mail loop
// or a probe of internal hosts.
//
// Tables: IANA IPv4 and IPv6 special-purpose address registries (RFC 6890
// and successors). IPv4-mapped IPv6 (::ffff:a.b.c.d) takes the scope of
// its IPv4 address.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string_view>

namespace herald::dns {

enum class address_scope {
    global,       // routable on the public Internet
    loopback,     // 127/8, ::1
    private_net,  // RFC 1918, shared 100.64/10, ULA fc00::/7, site-local fec0::/10
    link_local,   // 169.254/16, fe80::/10
    unspecified,  // 0.0.0.0/8 ("this network"), ::
    multicast,    // 224/4, ff00::/8, and 255.255.255.255
    reserved,     // documentation, benchmarking, 240/4, protocol assignments, discard
};

address_scope scope_of(const boost::asio::ip::address& a) noexcept;
std::string_view to_string(address_scope s) noexcept;

// A scope that an SMTP connection can reach at all: a `private` target
// is still a host, while an unspecified or multicast address is never one.
bool is_connectable(address_scope s) noexcept;

}  // namespace herald::dns
