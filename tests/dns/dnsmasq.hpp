// A real dnsmasq (Debian dnsmasq-base) serving a test zone on a free
// loopback port, UDP and TCP, for as long as the object lives. It answers
// only from its command line: no resolv.conf, no hosts file, no
// forwarding, and NXDOMAIN for unknown names under `local_domain`.
// A missing dnsmasq fails the test: the install step provides it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace herald::test {

// A port free for both UDP and TCP on 127.0.0.1 when asked (another
// process may take it before it is used: callers retry).
std::uint16_t free_udp_tcp_port();

class dnsmasq {
public:
    // `records`: dnsmasq options such as "--mx-host=a.test,mx.a.test,10".
    explicit dnsmasq(std::vector<std::string> records, std::string local_domain = "test");
    ~dnsmasq();
    dnsmasq(const dnsmasq&) = delete;
    dnsmasq& operator=(const dnsmasq&) = delete;

    std::uint16_t port() const { return port_; }
    std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string log() const;  // what dnsmasq printed, for failure messages

private:
    bool start();
    void stop();

    std::vector<std::string> args_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace herald::test
