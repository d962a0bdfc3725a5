// Settings of one resolver: which servers, how long to wait, how often to
// ask. Validated once at start-up (`validate()`), then read-only.
//
// Timing: c-ares waits `timeout` for the first try and doubles it on each
// later round over the servers, so with one server a name that never
// answers fails after timeout × (2^tries − 1) (200 ms, 3 tries: 1.4 s).
// The next server is asked after a timeout or an unreachable port; a
// SERVFAIL or REFUSED answer is final (c-ares 1.18.1 would retry and then
// misreport it as unreachable).
#pragma once

#include "core/error.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace herald::dns {

struct resolver_options {
    // "ip", "ip:port" or "[ipv6]:port", asked in order; empty: the
    // servers of /etc/resolv.conf. At most 16.
    std::vector<std::string> servers;
    std::chrono::milliseconds timeout{2000};  // first try, 1 ms .. 60 s
    int tries = 3;                            // rounds over the servers, 1 .. 10

    // `invalid_argument` naming the first bad setting.
    result<void> validate() const;
    // The servers in c-ares' CSV form ("127.0.0.1:53,[::1]:5353"), after
    // checking each one.
    result<std::string> servers_csv() const;
    // The servers of a config setting ("ip:port,ip:port"); empty parts skipped.
    static std::vector<std::string> servers_of(std::string_view csv);
};

}  // namespace herald::dns
