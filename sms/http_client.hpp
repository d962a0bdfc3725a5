// An HTTP client for provider APIs (sms/) and webhooks (ops/, later): libcurl's
// multi interface driven by the caller's Asio executor (CURLMOPT_SOCKETFUNCTION
// and CURLMOPT_TIMERFUNCTION), so a request never blocks an I/O thread.
// Connections are reused per host (the multi handle's cache, keep-alive);
// TLS peers are verified (CURLOPT_SSL_VERIFYPEER and VERIFYHOST on; ca_file
// for tests); every request has a connect and a total timeout.
//
// perform() never throws for a network failure: the answer says what
// happened, and whether the request left this process whole, because a
// request that may have reached the provider must never be sent again
// blindly (the same rule as after SMTP's final dot).
//
// Thread safety: one client per io_context thread; perform() and close()
// from coroutines on that executor only.
//
// Limits: HTTP/1.1 only; no redirects followed; response headers after the
// 100th are dropped; a body over 1 MiB ends the transfer and is answered
// truncated with its status (`error` says so). curl's own resend of a
// request on a fresh connection, when a reused connection dies before any
// answer, is stopped once any byte of the request was written: that answer
// is no_answer, never a silent second copy.
#pragma once

#include "core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::sms {

struct http_request {
    std::string method = "POST";       // GET | POST
    std::string url;                   // http:// or https://, query included
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // POST only
    std::string user, password;        // HTTP basic auth when user is not empty
    // "host:port:address" entries (CURLOPT_RESOLVE): the request connects to
    // the address checked beforehand (webhooks), not to what DNS says now.
    // When given, no proxy is used either, so nothing else picks the peer.
    std::vector<std::string> resolve;
};

// Why no HTTP answer came back.
enum class http_failure {
    none,       // an answer came (any status)
    not_sent,   // resolve, connect or TLS failed, or a timeout before the request was sent
    no_answer,  // the request was sent whole, then a timeout or a dropped connection
    unusable,   // the URL or the request itself is wrong (no network was tried)
};

struct http_response {
    http_failure failure = http_failure::none;
    long status = 0;                                           // when failure == none
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
    std::string body;                                          // capped at 1 MiB
    std::string error;                                         // curl's words, for logs
    millis elapsed{0};

    // The first header of that (lower-case) name, or empty.
    std::string_view header(std::string_view lower_name) const;
};

struct http_client_options {
    std::string ca_file;  // empty: the system's CAs
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{15000};
    std::size_t max_host_connections = 64;  // CURLMOPT_MAX_HOST_CONNECTIONS
};

// curl_global_init for the process: call it in main before any thread
// starts (http_client's constructor calls it too, once, for tests and tools).
void http_global_init();

class http_client {
public:
    http_client(boost::asio::any_io_executor ex, http_client_options opt);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    boost::asio::awaitable<http_response> perform(http_request req);

    // Ends every transfer in flight (their perform() answer not_sent or
    // no_answer as they were) and closes idle connections.
    void close();

    std::size_t in_flight() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace herald::sms
