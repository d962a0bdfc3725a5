// The dns folder's pure parts, no server needed: name checks, option
// validation, address scopes, and the stable error names.
#include "dns/address_scope.hpp"
#include "dns/errors.hpp"
#include "dns/name.hpp"
#include "dns/resolver_options.hpp"

#include <gtest/gtest.h>

namespace herald::dns {
namespace {

using namespace std::chrono_literals;

// The normalized name, or the error's text (never equal to a name).
std::string normalized(std::string_view n) {
    auto r = normalize_name(n);
    return r ? *r : "error: " + r.error().to_string();
}

TEST(dns_name, accepts_a_labels_and_strips_the_final_dot) {
    EXPECT_EQ(normalized("Example.COM."), "Example.COM");
    EXPECT_EQ(normalized("xn--bcher-kva.example"), "xn--bcher-kva.example");
    EXPECT_EQ(normalized("sel._domainkey.example.com"), "sel._domainkey.example.com");
    EXPECT_EQ(normalized(std::string(63, 'a') + ".b").size(), 65u);
    std::string longest;
    while (longest.size() + 2 <= 253)
        longest += longest.empty() ? "a" : ".a";
    EXPECT_TRUE(normalize_name(longest));
}

TEST(dns_name, refuses_what_cannot_be_a_name) {
    for (const std::string& bad : std::vector<std::string>{
             "", ".", "..", "a..b", ".a", "a b",
             "b\xc3\xbc"
             "cher.example",
             "a\\046b", "tab\t.example", std::string(64, 'a'), std::string(254, 'a')}) {
        auto r = normalize_name(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, dns_errc::bad_name);
        EXPECT_EQ(r.error().name(), "dns_bad_name");
    }
}

TEST(dns_options, servers_become_csv_and_bad_ones_are_named) {
    resolver_options o{.servers = {"127.0.0.1:5353", "10.0.0.1", "[::1]:53", "::1"}};
    ASSERT_TRUE(o.validate());
    auto csv = o.servers_csv();
    ASSERT_TRUE(csv);
    EXPECT_EQ(*csv, "127.0.0.1:5353,10.0.0.1:53,[::1]:53,[::1]:53");
    for (const char* bad : {"dns.example:53", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "[::1",
                            "[::1]x", "1.2.3.4:5x"}) {
        resolver_options b{.servers = {bad}};
        auto r = b.validate();
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().name(), "invalid_argument");
        EXPECT_NE(r.error().detail.find(bad), std::string::npos) << r.error().detail;
    }
    EXPECT_FALSE((resolver_options{.timeout = 0ms}.validate()));
    EXPECT_FALSE((resolver_options{.timeout = 61s}.validate()));
    EXPECT_FALSE((resolver_options{.tries = 0}.validate()));
    EXPECT_FALSE(
        (resolver_options{.servers = std::vector<std::string>(17, "127.0.0.1")}.validate()));
}

TEST(address_scope, classifies_special_ranges) {
    struct row {
        const char* ip;
        address_scope scope;
    };
    for (auto [ip, want] : {
             row{"8.8.8.8", address_scope::global},
             row{"93.184.216.34", address_scope::global},
             row{"127.0.0.1", address_scope::loopback},
             row{"127.255.0.9", address_scope::loopback},
             row{"10.1.2.3", address_scope::private_net},
             row{"172.16.0.1", address_scope::private_net},
             row{"172.31.255.255", address_scope::private_net},
             row{"172.32.0.1", address_scope::global},
             row{"192.168.1.1", address_scope::private_net},
             row{"100.64.0.1", address_scope::private_net},
             row{"169.254.1.1", address_scope::link_local},
             row{"0.0.0.0", address_scope::unspecified},
             row{"0.1.2.3", address_scope::unspecified},
             row{"224.0.0.1", address_scope::multicast},
             row{"255.255.255.255", address_scope::multicast},
             row{"240.0.0.1", address_scope::reserved},
             row{"192.0.2.1", address_scope::reserved},
             row{"198.18.0.1", address_scope::reserved},
             row{"2a00:1450:4001:80b::200e", address_scope::global},
             row{"::1", address_scope::loopback},
             row{"::", address_scope::unspecified},
             row{"fd00::25", address_scope::private_net},
             row{"fc00::1", address_scope::private_net},
             row{"fe80::1", address_scope::link_local},
             row{"fec0::1", address_scope::private_net},
             row{"ff02::1", address_scope::multicast},
             row{"2001:db8::1", address_scope::reserved},
             row{"100::1", address_scope::reserved},
             row{"64:ff9b:1::1", address_scope::reserved},
             row{"::ffff:127.0.0.1", address_scope::loopback},
             row{"::ffff:10.0.0.1", address_scope::private_net},
             row{"::ffff:8.8.8.8", address_scope::global},
         }) {
        EXPECT_EQ(scope_of(boost::asio::ip::make_address(ip)), want) << ip;
    }
    EXPECT_TRUE(is_connectable(address_scope::loopback));
    EXPECT_FALSE(is_connectable(address_scope::unspecified));
    EXPECT_FALSE(is_connectable(address_scope::multicast));
}

TEST(dns_errors, names_are_stable_and_say_bounce_or_defer) {
    EXPECT_EQ(make_error(dns_errc::nxdomain, "").name(), "dns_nxdomain");
    EXPECT_EQ(make_error(dns_errc::nodata, "").name(), "dns_nodata");
    EXPECT_EQ(make_error(dns_errc::timeout, "").name(), "dns_timeout");
    EXPECT_EQ(make_error(dns_errc::servfail, "").name(), "dns_servfail");
    EXPECT_EQ(make_error(dns_errc::refused, "").name(), "dns_refused");
    EXPECT_EQ(make_error(dns_errc::bad_name, "").http_status(), 400);
    EXPECT_EQ(make_error(route_errc::no_route_permanent, "").name(), "no_route_permanent");
    EXPECT_EQ(make_error(route_errc::no_route_temporary, "").name(), "no_route_temporary");
    EXPECT_EQ(make_error(route_errc::loop_refused, "").name(), "loop_refused");
    EXPECT_EQ(make_error(route_errc::null_mx, "").name(), "null_mx");
    EXPECT_TRUE(is_permanent(route_errc::no_route_permanent));
    EXPECT_TRUE(is_permanent(route_errc::null_mx));
    EXPECT_TRUE(is_permanent(route_errc::loop_refused));
    EXPECT_FALSE(is_permanent(route_errc::no_route_temporary));
    EXPECT_TRUE(is_negative(make_error_code(dns_errc::nxdomain)));
    EXPECT_FALSE(is_negative(make_error_code(dns_errc::timeout)));
    EXPECT_FALSE(is_transient(make_error_code(route_errc::no_route_temporary)));
}

}  // namespace
}  // namespace herald::dns
