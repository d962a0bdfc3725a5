#include "tests/api/api_fixture.hpp"

#include "api/keys.hpp"
#include "queue/tenants.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/run.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace herald::test {

namespace json = boost::json;

json::value http_answer::json() const {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return ec ? json::value() : v;
}

std::string http_answer::code() const {
    auto v = json();
    if (!v.is_object() || !v.get_object().contains("error")) return "";
    return std::string(v.at("error").at("code").as_string());
}

std::string http_answer::field() const {
    auto v = json();
    if (!v.is_object() || !v.get_object().contains("error")) return "";
    const auto& e = v.at("error").get_object();
    return e.contains("field") ? std::string(e.at("field").as_string()) : "";
}

raw_connection::raw_connection(std::uint16_t port, int read_timeout_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd_);
        throw std::runtime_error("cannot connect to the test server");
    }
    timeval tv{read_timeout_ms / 1000, (read_timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

raw_connection::~raw_connection() {
    if (fd_ >= 0) ::close(fd_);
}

void raw_connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

http_answer raw_connection::read() {
    http_answer a;
    auto fill = [&]() {
        char buf[65536];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        pending_.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return a;
    const std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    a.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
        const auto next = head.find("\r\n", pos + 2);
        const auto line = head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            a.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        }
        pos = next;
    }
    const std::size_t length =
        a.headers.count("content-length") ? std::stoul(a.headers["content-length"]) : 0;
    while (pending_.size() < length)
        if (!fill()) return http_answer{};
    a.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return a;
}

bool raw_connection::closed_within(int ms) {
    pollfd p{fd_, POLLIN, 0};
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
        if (::poll(&p, 1, 50) > 0) {
            char c;
            const auto n = ::recv(fd_, &c, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) return true;
            if (n > 0) pending_ += c;
        }
    }
    return false;
}

std::string api_email(const std::string& to, const std::string& subject) {
    return json::serialize(json::object{{"channel", "email"},
                                        {"from", "app@example.com"},
                                        {"to", to},
                                        {"subject", subject},
                                        {"text", "hello from the api test"}});
}

void api_fixture::SetUp() {
    queue_fixture::SetUp();
    cfg.redis.url = server.url();
    cfg.redis.timeout_ms = redis_timeout_ms;
    cfg.api.listen = "127.0.0.1:0";
    cfg.api.threads = 2;
    cfg.api.admin_key = admin_key;
    cfg.api.key_cache_ms = 0;  // revocations act at once; the cache has its own test
    cfg.api.max_body_bytes = 64 * 1024;
    cfg.api.max_batch = 5;
    for (const auto* t : {"acme", "other"}) {
        auto made = run(ioc, queue::create_tenant(client, t));
        ASSERT_TRUE(made && *made);
    }
    auto a = run(ioc, api::keys::create(client, q.shards, "acme", "test"));
    auto o = run(ioc, api::keys::create(client, q.shards, "other", "test"));
    ASSERT_TRUE(a && o);
    acme_key = a->key;
    other_key = o->key;
    start_server();
}

void api_fixture::start_server() {
    srv.reset();
    srv = std::make_unique<api::server>(cfg);
    auto ok = srv->start();
    ASSERT_TRUE(ok) << ok.error().to_string();
}

// Every answer the test received must be one the OpenAPI document
// describes: its status for that route, and a body of its schema.
void api_fixture::TearDown() {
    srv.reset();  // drains and joins
    if (seen.empty()) return;
    const auto file = server.dir() / "answers.jsonl";
    {
        std::ofstream out(file);
        for (const auto& [method, target, a] : seen) {
            json::object record{{"method", method}, {"path", target}, {"status", a.status}};
            boost::system::error_code ec;
            auto body = json::parse(a.body, ec);
            record["body"] = a.body.empty() ? json::value(nullptr)
                             : ec           ? json::value(a.body)
                                            : body;
            json::object headers;
            for (const auto& [k, v] : a.headers)
                headers[k] = v;
            record["headers"] = std::move(headers);
            out << json::serialize(record) << "\n";
        }
    }
    const auto check =
        run_python("api/openapi_check.py", {"--doc", HERALD_OPENAPI, "responses", file.string()});
    EXPECT_EQ(check.exit_code, 0) << "answers that the OpenAPI document does not describe:\n"
                                  << check.out;
}

std::string api_fixture::request_text(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& key,
                                      const std::map<std::string, std::string>& headers) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!key.empty()) r += "Authorization: Bearer " + key + "\r\n";
    for (const auto& [k, v] : headers)
        r += k + ": " + v + "\r\n";
    // A test that names its own Content-Type (a form, for SMS callbacks) gets that one.
    const bool typed = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return boost::beast::iequals(h.first, "Content-Type");
    });
    if (!body.empty() || method == "POST" || method == "PATCH")
        r += (typed ? std::string() : std::string("Content-Type: application/json\r\n")) +
             "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

http_answer api_fixture::call(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& key,
                              const std::map<std::string, std::string>& headers) {
    raw_connection c(srv->port());
    c.send(request_text(method, target, body, key, headers));
    auto a = c.read();
    seen.emplace_back(method, target, a);
    return a;
}

}  // namespace herald::test
