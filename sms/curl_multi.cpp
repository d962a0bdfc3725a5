#include "sms/curl_multi.hpp"

#include <poll.h>

#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <mutex>
#include <stdexcept>

namespace herald::sms::detail {

namespace asio = boost::asio;

void curl_global_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("curl_global_init failed");
    });
}

// One socket curl asked us to watch. `want` is curl's last wish
// (CURL_POLL_IN/OUT/INOUT); `reading`/`writing` say a wait (or a posted
// readiness) is pending, so a direction is never waited on twice.
struct curl_multi::sock {
    sock(asio::any_io_executor ex, curl_socket_t s) : sd(std::move(ex)), fd(s) {}
    // The fd is curl's: deregister it from the reactor, never close it.
    ~sock() { sd.release(); }

    asio::posix::stream_descriptor sd;
    curl_socket_t fd;
    int want = 0;
    bool reading = false, writing = false;
    bool gone = false;  // curl said CURL_POLL_REMOVE (or the multi handle went away)
};

std::shared_ptr<curl_multi> curl_multi::create(asio::any_io_executor ex, options opt,
                                               done_fn on_done) {
    return std::make_shared<curl_multi>(std::move(ex), opt, std::move(on_done));
}

curl_multi::curl_multi(asio::any_io_executor ex, options opt, done_fn on_done)
    : ex_(ex), opt_(opt), on_done_(std::move(on_done)), timer_(ex) {
    curl_global_once();
    open();
}

curl_multi::~curl_multi() {
    shut();
}

void curl_multi::open() {
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &curl_multi::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &curl_multi::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, opt_.max_host_connections);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, opt_.max_cached_connections);
}

// Descriptors are deregistered (their waits cancelled) before curl closes
// the fds in curl_multi_cleanup; the callbacks curl may make while cleaning
// up find multi_ empty and do nothing.
void curl_multi::shut() {
    CURLM* m = multi_;
    if (!m) return;
    multi_ = nullptr;
    for (auto& [fd, s] : socks_) {
        s->gone = true;
        s->sd.release();
    }
    socks_.clear();
    timer_.cancel();
    due_ = armed_ = std::chrono::steady_clock::time_point::max();
    curl_multi_cleanup(m);
}

CURLMcode curl_multi::add(CURL* easy) {
    if (!multi_) open();
    return curl_multi_add_handle(multi_, easy);
}

void curl_multi::remove(CURL* easy) {
    if (multi_) curl_multi_remove_handle(multi_, easy);
}

void curl_multi::close_connections() {
    shut();
    open();
}

// ---- curl's callbacks: they only record curl's wishes and arm waits ---------

int curl_multi::on_socket(CURL*, curl_socket_t s, int what, void* self, void* socketp) {
    auto* m = static_cast<curl_multi*>(self);
    if (!m->multi_) return 0;
    try {
        if (what == CURL_POLL_REMOVE) {
            m->forget(s);
            return 0;
        }
        return m->watch(s, what, socketp);
    } catch (...) {
        return -1;  // no exception may cross curl's C frames
    }
}

int curl_multi::on_timer(CURLM*, long timeout_ms, void* self) {
    auto* m = static_cast<curl_multi*>(self);
    if (!m->multi_) return 0;
    try {
        const auto now = std::chrono::steady_clock::now();
        m->set_deadline(timeout_ms < 0 ? std::chrono::steady_clock::time_point::max()
                                       : now + std::chrono::milliseconds(timeout_ms));
        return 0;
    } catch (...) {
        return -1;
    }
}

int curl_multi::watch(curl_socket_t s, int what, void* socketp) {
    std::shared_ptr<sock> p;
    if (auto it = socks_.find(s); it != socks_.end()) {
        if (it->second.get() == socketp) {
            p = it->second;
        } else {
            // A socket of that number we never heard removed: drop the old
            // registration before the new one takes the fd.
            forget(s);
        }
    }
    if (!p) {
        p = std::make_shared<sock>(ex_, s);
        boost::system::error_code ec;
        p->sd.assign(s, ec);
        if (ec) return -1;
        socks_.emplace(s, p);
        // Attaching our state to the socket from inside the socket callback
        // is curl_multi_assign's documented use (curl's own event examples
        // do it); it stores a pointer and calls nothing back.
        curl_multi_assign(multi_, s, p.get());
    }
    p->want = what;
    arm(p);
    return 0;
}

void curl_multi::forget(curl_socket_t s) {
    auto it = socks_.find(s);
    if (it == socks_.end()) return;
    it->second->gone = true;
    it->second->sd.release();  // cancels its waits; their handlers see `gone`
    socks_.erase(it);
}

// ---- waiting ------------------------------------------------------------------

// curl is written for level-triggered poll(): it asks to wait for a
// direction only when it wants to be told the socket is ready, whether or
// not the readiness is new. Asio's epoll waits are edge-triggered and never
// speculative: a readiness that came while no wait was queued (between a
// wait's completion and its re-arm, or before a socket was handed to us)
// would never complete a later wait. So each direction is first checked
// with a zero-timeout poll(): ready now posts at once; otherwise the wait
// is queued before the next epoll_wait, which then reports any change.
void curl_multi::arm(const std::shared_ptr<sock>& s) {
    const bool in = (s->want & CURL_POLL_IN) && !s->reading;
    const bool out = (s->want & CURL_POLL_OUT) && !s->writing;
    if (!in && !out) return;
    pollfd p{s->fd, static_cast<short>((in ? POLLIN : 0) | (out ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 0) < 0) p.revents = 0;
    const bool failed = p.revents & (POLLERR | POLLHUP | POLLNVAL);
    auto later = [this, s](bool& flag, int select) {
        flag = true;
        asio::post(ex_, [w = weak_from_this(), s, &flag, select] {
            flag = false;
            auto m = w.lock();
            if (m && !s->gone) m->on_ready(s, select);
        });
    };
    auto wait = [this, s](bool& flag, asio::posix::descriptor_base::wait_type type, int select) {
        flag = true;
        s->sd.async_wait(
            type, [w = weak_from_this(), s, &flag, select](const boost::system::error_code& ec) {
                flag = false;
                auto m = w.lock();
                if (!m || s->gone || ec == asio::error::operation_aborted) return;
                m->on_ready(s, ec ? CURL_CSELECT_ERR : select);
            });
    };
    if (in) {
        if (failed || (p.revents & POLLIN))
            later(s->reading, CURL_CSELECT_IN);
        else
            wait(s->reading, asio::posix::descriptor_base::wait_read, CURL_CSELECT_IN);
    }
    if (out) {
        if (failed || (p.revents & POLLOUT))
            later(s->writing, CURL_CSELECT_OUT);
        else
            wait(s->writing, asio::posix::descriptor_base::wait_write, CURL_CSELECT_OUT);
    }
}

void curl_multi::on_ready(const std::shared_ptr<sock>& s, int select) {
    // A wait that curl no longer wants (its wish changed meanwhile) is ignored.
    const bool wanted = select == CURL_CSELECT_ERR ||
                        (select == CURL_CSELECT_IN && (s->want & CURL_POLL_IN)) ||
                        (select == CURL_CSELECT_OUT && (s->want & CURL_POLL_OUT));
    if (wanted) act(s->fd, select);
    if (!s->gone) arm(s);
}

// ---- curl's timeout -----------------------------------------------------------

// curl moves its timeout at almost every call, and each move of an Asio
// timer is a timerfd_settime system call (a quarter of the client's time in
// http_client_bench). So the timer is only moved earlier, never later:
// when it fires before curl's deadline it is re-armed for it; it is
// cancelled only when curl wants no timeout at all (idle). A timeout of
// 0 ms is a posted call, not a timer. Either way curl is called from a
// handler, never from inside this callback.
void curl_multi::set_deadline(std::chrono::steady_clock::time_point due) {
    due_ = due;
    if (due_ == std::chrono::steady_clock::time_point::max()) {
        // Nothing left to time (curl says so when idle): a waiting timer
        // would keep the io_context's run() from returning.
        if (armed_ != due_) timer_.cancel();
        armed_ = due_;
        return;
    }
    if (due_ <= std::chrono::steady_clock::now()) {
        if (run_now_posted_) return;
        run_now_posted_ = true;
        asio::post(ex_, [w = weak_from_this()] {
            auto m = w.lock();
            if (!m) return;
            m->run_now_posted_ = false;
            m->on_timeout();
        });
        return;
    }
    if (due_ < armed_) arm_timer(due_);
}

void curl_multi::arm_timer(std::chrono::steady_clock::time_point at) {
    armed_ = at;
    timer_.expires_at(at);  // cancels the earlier wait, if any
    timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;  // moved (a newer wait exists) or shut
        auto m = w.lock();
        if (!m) return;
        m->armed_ = std::chrono::steady_clock::time_point::max();
        m->on_timeout();
    });
}

void curl_multi::on_timeout() {
    if (!multi_ || due_ == std::chrono::steady_clock::time_point::max()) return;
    if (due_ > std::chrono::steady_clock::now()) {
        if (due_ < armed_) arm_timer(due_);
        return;
    }
    due_ = std::chrono::steady_clock::time_point::max();
    act(CURL_SOCKET_TIMEOUT, 0);
}

void curl_multi::act(curl_socket_t s, int select) {
    if (!multi_) return;
    int running = 0;
    curl_multi_socket_action(multi_, s, select, &running);
    drain();
}

void curl_multi::drain() {
    int left = 0;
    while (multi_) {
        CURLMsg* msg = curl_multi_info_read(multi_, &left);
        if (!msg) break;
        if (msg->msg != CURLMSG_DONE) continue;
        // Copied out: removing the handle frees the message.
        CURL* easy = msg->easy_handle;
        const CURLcode result = msg->data.result;
        on_done_(easy, result);
    }
}

}  // namespace herald::sms::detail
