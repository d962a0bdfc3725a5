// Real SMTP servers for the SMTP client tests, each on a free 127.0.0.1
// port, stopped with the object (and with the test process: a child gets
// SIGKILL when its parent dies):
//   smtp_sink       Postfix's /usr/sbin/smtp-sink, counting sessions and
//                   messages (-c) and dumping each message (-d);
//   capture_server  tests/smtp/smtp_capture_server.py on python3-aiosmtpd,
//                   keeping each message byte-exact with its envelope;
//   test_ca         (tests/support/test_ca.hpp) a CA and a server certificate
//                   for mail.herald.test and 127.0.0.1, plus an unrelated CA.
// A server that cannot start throws: a missing server fails the test (the
// install step provides them), it never skips it.
#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/test_ca.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace herald::test {

class smtp_sink {
public:
    // `flags`: smtp-sink options, e.g. {"-r", "RCPT"} (see man smtp-sink).
    explicit smtp_sink(std::vector<std::string> flags = {});
    std::uint16_t port() const { return port_; }

    struct counters {
        int sessions = 0;  // ended, not counting the start-up probe
        int quits = 0;
        int messages = 0;
    };
    counters count() const;
    // Waits until `sessions` sessions have ended (or `limit` passed).
    counters wait_sessions(int sessions, std::chrono::milliseconds limit) const;
    // Every dumped message (smtp-sink's X-* lines, then the message).
    std::vector<std::string> dumps() const;

private:
    scratch_dir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<child_process> proc_;
};

class capture_server {
public:
    explicit capture_server(std::vector<std::string> flags = {});
    std::uint16_t port() const { return port_; }
    const std::filesystem::path& dir() const { return dir_.path(); }

    struct message {
        std::string content;  // as received, after un-dot-stuffing
        boost::json::object meta;
    };
    std::vector<message> messages() const;  // in arrival order
    boost::json::object state() const;      // connections, max_open, quits, messages
    std::int64_t state_value(const char* key) const;

private:
    scratch_dir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<child_process> proc_;
};

}  // namespace herald::test
