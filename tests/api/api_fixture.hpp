// A real api::server on a free loopback port, against the queue fixture's
// redis-server, with two tenants ("acme", "other") and a key for each, and
// a small blocking HTTP client whose reads time out (no test can hang).
#pragma once

#include "api/server.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace herald::test {

struct http_answer {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    boost::json::value json() const;
    std::string code() const;  // error.code, or "" when it is not an error
    std::string field() const;
};

// One TCP connection to the server; raw bytes in and out.
class raw_connection {
public:
    explicit raw_connection(std::uint16_t port, int read_timeout_ms = 5000);
    ~raw_connection();
    void send(std::string_view bytes);
    // One response (status line, headers, Content-Length body); status 0
    // when the server closed the connection or the read timed out.
    http_answer read();
    // Whether the server closes the connection within `ms`.
    bool closed_within(int ms);

private:
    int fd_ = -1;
    std::string pending_;
};

class api_fixture : public queue_fixture {
protected:
    void SetUp() override;
    void TearDown() override;

    // (Re)starts the server with cfg.api as the test set it.
    void start_server();

    http_answer call(const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& key = "",
                     const std::map<std::string, std::string>& headers = {});
    http_answer as_acme(const std::string& method, const std::string& target,
                        const std::string& body = "") {
        return call(method, target, body, acme_key);
    }
    http_answer as_admin(const std::string& method, const std::string& target,
                         const std::string& body = "") {
        return call(method, target, body, admin_key);
    }

    static std::string request_text(const std::string& method, const std::string& target,
                                    const std::string& body, const std::string& key,
                                    const std::map<std::string, std::string>& headers = {});

    std::string admin_key = "test-admin-key-0123456789";
    std::string acme_key, other_key;
    std::unique_ptr<api::server> srv;
    // Every answer of the test, for the OpenAPI check at TearDown.
    std::vector<std::tuple<std::string, std::string, http_answer>> seen;
};

// A valid email as the API takes it.
std::string api_email(const std::string& to = "you@example.com",
                      const std::string& subject = "hello");

}  // namespace herald::test
