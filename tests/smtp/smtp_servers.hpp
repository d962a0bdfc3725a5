// Real SMTP servers for the SMTP client tests, each on a free 127.0.0.1
// port, stopped with the object (and with the test process: a child gets
// SIGKILL when its parent dies):
//   smtp_sink       Postfix's /usr/sbin/smtp-sink, counting sessions and
//                   messages (-c) and dumping each message (-d);
//   capture_server  tests/smtp/smtp_capture_server.py on python3-aiosmtpd,
//                   keeping each message byte-exact with its envelope;
//   test_ca         a CA and a server certificate for mail.herald.test and
//                   127.0.0.1, plus an unrelated CA, made with the openssl CLI.
// A server that cannot start throws: a missing server fails the test (the
// install step provides them), it never skips it.
#pragma once

#include <boost/json/object.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace herald::test {

// A fresh directory under /tmp, removed with the object.
class scratch_dir {
public:
    explicit scratch_dir(std::string_view prefix);
    ~scratch_dir();
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A child process whose stdout and stderr go to files.
class child_process {
public:
    child_process(std::vector<std::string> argv, const std::filesystem::path& out,
                  const std::filesystem::path& err);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    bool running();

private:
    pid_t pid_ = -1;
};

std::string read_file(const std::filesystem::path& p);

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

class test_ca {
public:
    test_ca();
    std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
    std::filesystem::path other_ca_file() const { return dir_.path() / "other-ca.pem"; }
    std::filesystem::path cert_file() const { return dir_.path() / "server.pem"; }
    std::filesystem::path key_file() const { return dir_.path() / "server.key"; }
    static constexpr const char* host = "mail.herald.test";

private:
    scratch_dir dir_;
};

}  // namespace herald::test
