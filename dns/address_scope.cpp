#include "dns/address_scope.hpp"

#include <array>
#include <cstdint>

namespace herald::dns {
namespace {

using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

struct net4 {
    std::uint32_t base;
    int bits;
    address_scope scope;
};

constexpr std::uint32_t ip4(int a, int b, int c, int d) {
    return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
           (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}

// First match wins: the broadcast address sits inside 240/4, so it comes
// before it.
constexpr std::array k_v4{
    net4{ip4(0, 0, 0, 0), 8, address_scope::unspecified},
    net4{ip4(10, 0, 0, 0), 8, address_scope::private_net},
    net4{ip4(100, 64, 0, 0), 10, address_scope::private_net},  // carrier-grade NAT
    net4{ip4(127, 0, 0, 0), 8, address_scope::loopback},
    net4{ip4(169, 254, 0, 0), 16, address_scope::link_local},
    net4{ip4(172, 16, 0, 0), 12, address_scope::private_net},
    net4{ip4(192, 0, 0, 0), 24, address_scope::reserved},    // protocol assignments
    net4{ip4(192, 0, 2, 0), 24, address_scope::reserved},    // TEST-NET-1
    net4{ip4(192, 88, 99, 0), 24, address_scope::reserved},  // deprecated 6to4 relay
    net4{ip4(192, 168, 0, 0), 16, address_scope::private_net},
    net4{ip4(198, 18, 0, 0), 15, address_scope::reserved},    // benchmarking
    net4{ip4(198, 51, 100, 0), 24, address_scope::reserved},  // TEST-NET-2
    net4{ip4(203, 0, 113, 0), 24, address_scope::reserved},   // TEST-NET-3
    net4{ip4(224, 0, 0, 0), 4, address_scope::multicast},
    net4{ip4(255, 255, 255, 255), 32, address_scope::multicast},  // limited broadcast
    net4{ip4(240, 0, 0, 0), 4, address_scope::reserved},
};

bool in(std::uint32_t a, std::uint32_t base, int bits) {
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == base;
}

address_scope scope_v4(const address_v4& a) {
    auto u = a.to_uint();
    for (const auto& n : k_v4)
        if (in(u, n.base, n.bits)) return n.scope;
    return address_scope::global;
}

struct net6 {
    std::array<unsigned char, 8> prefix;  // the first 64 bits cover every range below
    int bits;
    address_scope scope;
};

constexpr std::array k_v6{
    net6{{0xfc, 0x00}, 7, address_scope::private_net},   // ULA
    net6{{0xfe, 0xc0}, 10, address_scope::private_net},  // site-local (deprecated)
    net6{{0xfe, 0x80}, 10, address_scope::link_local},
    net6{{0xff, 0x00}, 8, address_scope::multicast},
    net6{{0x01, 0x00}, 64, address_scope::reserved},              // discard-only
    net6{{0x20, 0x01, 0x0d, 0xb8}, 32, address_scope::reserved},  // documentation
    net6{{0x3f, 0xff}, 20, address_scope::reserved},              // documentation (RFC 9637)
    net6{{0x20, 0x01, 0x00, 0x00}, 23, address_scope::reserved},  // IETF protocol assignments
    net6{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, address_scope::reserved},  // local-use NAT64
};

bool in6(const address_v6::bytes_type& b, const net6& n) {
    auto full = static_cast<std::size_t>(n.bits / 8);
    int rest = n.bits % 8;
    for (std::size_t i = 0; i < full; ++i)
        if (b[i] != n.prefix[i]) return false;
    if (rest == 0) return true;
    auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (b[full] & mask) == (n.prefix[full] & mask);
}

address_scope scope_v6(const address_v6& a) {
    if (a.is_v4_mapped())
        return scope_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a));
    if (a.is_unspecified()) return address_scope::unspecified;
    if (a.is_loopback()) return address_scope::loopback;
    auto b = a.to_bytes();
    for (const auto& n : k_v6)
        if (in6(b, n)) return n.scope;
    return address_scope::global;
}

}  // namespace

address_scope scope_of(const boost::asio::ip::address& a) noexcept {
    return a.is_v4() ? scope_v4(a.to_v4()) : scope_v6(a.to_v6());
}

std::string_view to_string(address_scope s) noexcept {
    switch (s) {
        case address_scope::global:
            return "global";
        case address_scope::loopback:
            return "loopback";
        case address_scope::private_net:
            return "private";
        case address_scope::link_local:
            return "link-local";
        case address_scope::unspecified:
            return "unspecified";
        case address_scope::multicast:
            return "multicast";
        case address_scope::reserved:
            return "reserved";
    }
    return "unknown";
}

bool is_connectable(address_scope s) noexcept {
    switch (s) {
        case address_scope::global:
        case address_scope::loopback:
        case address_scope::private_net:
        case address_scope::link_local:
        case address_scope::reserved:
            return true;
        case address_scope::unspecified:
        case address_scope::multicast:
            return false;
    }
    return false;
}

}  // namespace herald::dns
