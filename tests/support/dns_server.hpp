// A real authoritative DNS server for tests: tests/support/dns_server.py
// (python3-dnslib, run by /usr/bin/python3) on a free 127.0.0.1 port, UDP
// and TCP, serving a zone the test can change while it runs.
//
//   test::dns_server dns({{"example.test", "TXT", {"v=spf1 ip4:192.0.2.0/24 -all"}},
//                         {"example.test", "MX", {"10 mx.example.test"}}});
//   dns::resolver r(ex, {.servers = {dns.server()}});   // "127.0.0.1:PORT"
//   dns.publish({{"mx.example.test", "A", {"192.0.2.7"}}});
//   dns.servfail("broken.test");  // SERVFAIL for every type
//   dns.timeout("silent.test");   // never answered
//   dns.remove("example.test");   // NXDOMAIN again
//
// Records: `values` are the records of (name, type), except for TXT, where
// one entry is one record and its values are that record's
// character-strings (cut into 255-byte strings by the server when
// longer); publish several TXT entries of one name for several records.
// MX values are "PREFERENCE HOST"; A, AAAA, PTR, CNAME, NS one value per
// record. Unknown names are NXDOMAIN, known names without the asked type
// NODATA (both with an SOA of TTL 60). UDP answers over the client's EDNS
// size are truncated, so long records come over TCP.
//
// Changes take effect from the next query: the zone file is replaced by
// rename and the server checks it at every query. The constructor returns
// once the server answers; the destructor stops it. A server that cannot
// start throws (a test never skips silently).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace herald::test {

struct dns_record {
    std::string name;  // any case, with or without the final dot
    std::string type;  // "TXT", "A", "AAAA", "MX", "PTR", "CNAME", "NS"
    std::vector<std::string> values;
    unsigned ttl = 300;
};

class dns_server {
public:
    explicit dns_server(std::vector<dns_record> records = {});
    ~dns_server();
    dns_server(const dns_server&) = delete;
    dns_server& operator=(const dns_server&) = delete;

    std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
    std::uint16_t port() const { return port_; }

    // Replaces every record of each (name, type) given by the ones given,
    // and ends any servfail/timeout of those names.
    void publish(const std::vector<dns_record>& records);
    // Drops every record of `name` (any type), and its servfail/timeout.
    void remove(const std::string& name);
    void servfail(const std::string& name);
    void timeout(const std::string& name);

    std::string log() const;  // what the server printed, for failure messages

private:
    void write_zone() const;
    void start();
    void stop();

    std::filesystem::path dir_;
    std::vector<dns_record> records_;
    std::set<std::string> servfail_, timeout_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace herald::test
