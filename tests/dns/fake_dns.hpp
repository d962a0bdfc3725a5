// Misbehaving DNS servers on 127.0.0.1 for the failure paths a real server
// will not take on demand. Each runs on the test's io_context (UDP only):
//
// - silent: takes queries and never answers (a timeout);
// - rcode: answers every query with that RCODE and no records
//   (SERVFAIL, REFUSED, ...);
// - garbage: claims one answer record and sends none (a malformed answer).
//
// closed_port() names a UDP port with nothing behind it (the kernel
// answers ICMP port unreachable).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace herald::test {

struct fake_dns_state;

class fake_dns {
public:
    enum class mode { silent, rcode, garbage };

    fake_dns(boost::asio::io_context& ioc, mode m, int rcode = 0);
    ~fake_dns();

    std::uint16_t port() const { return port_; }
    std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
    std::size_t queries() const;  // how many it received (not counted when silent)

private:
    std::shared_ptr<fake_dns_state> st_;
    std::uint16_t port_ = 0;
};

std::uint16_t closed_port();

}  // namespace herald::test
