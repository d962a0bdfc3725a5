// A scriptable HTTP/1.1 server for tests: tests/support/fake_http.py (or a
// script that subclasses it, such as a fake provider) run by
// /usr/bin/python3 on a free 127.0.0.1 port, plain or TLS, stopped with the
// object. See fake_http.py for the script's answers and actions.
//
//   test::fake_http srv;                                   // http://127.0.0.1:PORT
//   srv.script(json::array{json::object{{"status", 503}}, json::object{{"action", "drop_after"}}});
//   ... requests to srv.url("/path") ...
//   auto got = srv.requests();    // method, path, query, headers, body, connection
//
// The fixture's own control calls (script, requests, reset) go over fresh
// connections and are not recorded. A server that cannot start throws: a
// test never skips silently.
#pragma once

#include "tests/support/child_process.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::test {

struct fake_http_options {
    std::filesystem::path script;     // empty: tests/support/fake_http.py
    std::vector<std::string> args;    // more arguments for the script
    std::filesystem::path cert, key;  // both given: the server speaks TLS
    std::filesystem::path ca;         // the CA of `cert`, for the fixture's control calls
};

struct recorded_request {
    std::string method, path, query, body;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
    int connection = 0;  // one number per TCP connection, from 1
    std::string action;  // "", "drop_before" or "drop_after"

    std::string_view header(std::string_view lower_name) const;
};

class fake_http {
public:
    explicit fake_http(fake_http_options opt = {});
    ~fake_http();
    fake_http(const fake_http&) = delete;
    fake_http& operator=(const fake_http&) = delete;

    std::uint16_t port() const { return port_; }
    // "http://127.0.0.1:PORT" (https when TLS) followed by `path`.
    std::string url(std::string_view path = "") const;

    // Appends answers to the script (see fake_http.py).
    void script(const boost::json::array& answers);
    std::vector<recorded_request> requests() const;
    // How many TCP connections the recorded requests came over.
    std::size_t connections() const;
    void reset();
    std::string log() const;  // the server's stderr, for failure messages

private:
    std::string control(const char* method, std::string_view path, std::string_view body) const;

    fake_http_options opt_;
    scratch_dir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<child_process> proc_;
};

}  // namespace herald::test
