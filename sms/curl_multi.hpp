// The glue between a libcurl multi handle and an Asio executor: curl tells
// which sockets it wants watched (CURLMOPT_SOCKETFUNCTION) and when it wants
// to be called back (CURLMOPT_TIMERFUNCTION); a stream_descriptor per socket
// and one steady_timer do the waiting, and their handlers call
// curl_multi_socket_action. Knows nothing of HTTP: it runs easy handles and
// reports each finished one with its CURLcode.
//
// Rules kept here (PITFALLS.md, libcurl): curl is never called from inside
// one of its own callbacks (the callbacks only arm waits; the waits'
// handlers call curl later); sockets belong to curl, so a descriptor is
// released, never closed; any fd may come (the threaded resolver's
// socketpair too), and curl announces CURL_POLL_REMOVE before it closes one.
//
// Single-threaded: every call on the executor's thread. Handlers hold a weak
// reference, so destroying the object with waits pending is safe.
#pragma once

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>

namespace herald::sms::detail {

// curl_global_init once per process (CURL_GLOBAL_DEFAULT); safe to call again.
void curl_global_once();

class curl_multi : public std::enable_shared_from_this<curl_multi> {
public:
    // Called when a transfer ends, outside any curl callback; the callee
    // removes the handle (remove()) before the next transfer of it.
    using done_fn = std::function<void(CURL* easy, CURLcode result)>;

    struct options {
        long max_host_connections = 64;
        long max_cached_connections = 64;
    };

    // Always owned by a shared_ptr (the wait handlers keep a weak one).
    static std::shared_ptr<curl_multi> create(boost::asio::any_io_executor ex, options opt,
                                              done_fn on_done);
    curl_multi(boost::asio::any_io_executor ex, options opt, done_fn on_done);
    ~curl_multi();
    curl_multi(const curl_multi&) = delete;
    curl_multi& operator=(const curl_multi&) = delete;

    CURLMcode add(CURL* easy);
    void remove(CURL* easy);
    // Closes every cached connection by replacing the multi handle; every
    // transfer must have been removed first.
    void close_connections();
    std::size_t sockets_watched() const { return socks_.size(); }

private:
    struct sock;

    void open();
    void shut();
    static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
    static int on_timer(CURLM* multi, long timeout_ms, void* self);
    int watch(curl_socket_t s, int what, void* socketp);
    void forget(curl_socket_t s);
    void arm(const std::shared_ptr<sock>& s);
    void on_ready(const std::shared_ptr<sock>& s, int select);
    void set_deadline(std::chrono::steady_clock::time_point due);
    void arm_timer(std::chrono::steady_clock::time_point at);
    void on_timeout();
    void act(curl_socket_t s, int select);
    void drain();

    boost::asio::any_io_executor ex_;
    options opt_;
    done_fn on_done_;
    CURLM* multi_ = nullptr;
    boost::asio::steady_timer timer_;
    // curl's next timeout (max: none) and the timer's expiry while it waits
    // (max: not waiting); armed_ <= due_ always, so curl is never late.
    std::chrono::steady_clock::time_point due_ = std::chrono::steady_clock::time_point::max();
    std::chrono::steady_clock::time_point armed_ = std::chrono::steady_clock::time_point::max();
    bool run_now_posted_ = false;
    std::unordered_map<curl_socket_t, std::shared_ptr<sock>> socks_;
};

}  // namespace herald::sms::detail
