#include "dns/ares_driver.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace herald::dns {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// One query's meeting point between c-ares' callback and the awaiting
// coroutine. The callback may run inside ares_query, ares_process_fd or
// ares_destroy, so it only records the answer and cancels `wake`, whose
// handler Asio always posts: the coroutine never resumes inside c-ares.
struct query_state {
    explicit query_state(asio::any_io_executor ex) : wake(ex, steady::time_point::max()) {}
    bool done = false;
    raw_answer answer;
    asio::steady_timer wake;
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<std::shared_ptr<query_state>> holder(
        static_cast<std::shared_ptr<query_state>*>(arg));
    auto& st = **holder;
    st.done = true;
    st.answer.status = status;
    if (abuf && alen > 0) st.answer.bytes.assign(abuf, abuf + alen);
    st.wake.cancel();
}

// A socket c-ares opened. The descriptor does not own the fd: c-ares
// closes it, after telling us through the socket-state callback.
struct watcher {
    explicit watcher(asio::any_io_executor ex) : sd(ex) {}
    asio::posix::stream_descriptor sd;
    bool want[2] = {false, false};     // [read, write], as c-ares asked
    bool waiting[2] = {false, false};  // an async_wait is outstanding
};

void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS)
            throw std::runtime_error(std::string("ares_library_init: ") + ares_strerror(rc));
    });
}

class driver final : public ares_driver, public std::enable_shared_from_this<driver> {
public:
    explicit driver(asio::any_io_executor ex) : ex_(ex), timer_(ex) {}
    ~driver() override { stop(); }

    void init(const resolver_options& opt) {
        if (auto ok = opt.validate(); !ok) throw std::runtime_error(ok.error().to_string());
        init_library_once();
        ares_options o{};
        o.sock_state_cb = &driver::on_sock_state;
        o.sock_state_cb_data = this;
        o.timeout = static_cast<int>(opt.timeout.count());
        o.tries = opt.tries;
        // EDNS lets answers up to 1232 octets (the DNS flag day size) come
        // over UDP; larger ones are truncated and c-ares retries over TCP.
        //
        // NOCHECKRESP: otherwise c-ares 1.18.1 answers a SERVFAIL or REFUSED
        // by retrying, then reports ARES_ECONNREFUSED ("could not contact"),
        // which loses the cause. With it, that answer is final.
        o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
        o.ednspsz = 1232;
        int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
                   ARES_OPT_EDNSPSZ;
        if (int rc = ares_init_options(&channel_, &o, mask); rc != ARES_SUCCESS)
            throw std::runtime_error(std::string("ares_init_options: ") + ares_strerror(rc));
        if (opt.servers.empty()) return;  // keep /etc/resolv.conf's servers
        // c-ares refuses to change servers while queries are outstanding:
        // this runs before the first one.
        auto csv = *opt.servers_csv();  // validate() checked it
        if (int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS) {
            ares_destroy(channel_);
            channel_ = nullptr;
            throw std::runtime_error(std::string("ares_set_servers_ports_csv: ") +
                                     ares_strerror(rc));
        }
    }

    asio::awaitable<raw_answer> query(std::string name, int type) override {
        auto self = shared_from_this();
        if (!channel_) co_return raw_answer{ARES_EDESTRUCTION, {}};
        auto st = std::make_shared<query_state>(ex_);
        ++outstanding_;
        ares_query(channel_, name.c_str(), ns_c_in, type, &on_answer,
                   new std::shared_ptr<query_state>(st));
        rearm_timer();
        if (!st->done) co_await st->wake.async_wait(use_tuple);
        --outstanding_;
        // Only a cancelled coroutine gets here without an answer; the
        // callback still fires later and writes into `st`, kept alive by
        // its own reference.
        if (!st->done) co_return raw_answer{ARES_ECANCELLED, {}};
        co_return std::move(st->answer);
    }

    void stop() override {
        if (!channel_) return;
        auto* ch = channel_;
        // ares_destroy calls back (answers with ARES_EDESTRUCTION, sockets
        // closing) while `channel_` must already read as gone.
        channel_ = nullptr;
        ares_destroy(ch);
        timer_.cancel();
        for (auto& [fd, w] : socks_)
            forget(*w);
        socks_.clear();
    }

    std::size_t outstanding() const override { return outstanding_; }

private:
    // ---- sockets ----------------------------------------------------------------

    static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
        static_cast<driver*>(data)->sock_state(fd, readable != 0, writable != 0);
    }

    void sock_state(int fd, bool readable, bool writable) {
        auto it = socks_.find(fd);
        if (!readable && !writable) {  // c-ares closes the fd right after this
            if (it != socks_.end()) {
                forget(*it->second);
                socks_.erase(it);
            }
            return;
        }
        if (it == socks_.end()) {
            // No exception may cross c-ares' C frames. A socket the reactor
            // cannot watch just never reports: its queries time out.
            auto w = std::make_shared<watcher>(ex_);
            boost::system::error_code ec;
            w->sd.assign(fd, ec);
            if (ec) return;
            it = socks_.emplace(fd, std::move(w)).first;
        }
        auto w = it->second;
        w->want[0] = readable;
        w->want[1] = writable;
        arm(fd, w, 0);
        arm(fd, w, 1);
    }

    static void forget(watcher& w) {
        boost::system::error_code ignored;
        w.sd.cancel(ignored);
        w.sd.release();
    }

    bool current(int fd, const std::shared_ptr<watcher>& w) const {
        auto it = socks_.find(fd);
        return it != socks_.end() && it->second == w;
    }

    void arm(int fd, const std::shared_ptr<watcher>& w, int dir) {
        if (!w->want[dir] || w->waiting[dir]) return;
        w->waiting[dir] = true;
        auto type = dir == 0 ? asio::posix::descriptor_base::wait_read
                             : asio::posix::descriptor_base::wait_write;
        w->sd.async_wait(type,
                         [self = shared_from_this(), fd, w, dir](boost::system::error_code ec) {
                             self->on_ready(fd, w, dir, ec);
                         });
    }

    void on_ready(int fd, const std::shared_ptr<watcher>& w, int dir,
                  boost::system::error_code ec) {
        w->waiting[dir] = false;
        // A closed socket's fd may already belong to a new watcher.
        if (ec || !channel_ || !current(fd, w) || !w->want[dir]) return;
        ares_process_fd(channel_, dir == 0 ? fd : ARES_SOCKET_BAD, dir == 1 ? fd : ARES_SOCKET_BAD);
        // c-ares may have closed the socket in there, or still want it.
        if (current(fd, w)) arm(fd, w, dir);
        rearm_timer();
    }

    // ---- timeouts ---------------------------------------------------------------

    // One timer for the whole channel, due at c-ares' next deadline. Every
    // call re-reads it, because each query and each answer may move it.
    void rearm_timer() {
        if (!channel_) return;
        timeval tv{};
        if (!ares_timeout(channel_, nullptr, &tv)) {
            timer_.cancel();
            return;
        }
        // c-ares rounds the wait down to whole milliseconds: waking a
        // millisecond late beats spinning on a deadline not yet reached.
        timer_.expires_after(std::chrono::seconds(tv.tv_sec) +
                             std::chrono::microseconds(tv.tv_usec) + std::chrono::milliseconds(1));
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->channel_) return;
            ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            self->rearm_timer();
        });
    }

    asio::any_io_executor ex_;
    ares_channel channel_ = nullptr;
    asio::steady_timer timer_;
    std::unordered_map<int, std::shared_ptr<watcher>> socks_;
    std::size_t outstanding_ = 0;
};

}  // namespace

std::shared_ptr<ares_driver> ares_driver::create(asio::any_io_executor ex,
                                                 const resolver_options& opt) {
    auto d = std::make_shared<driver>(ex);
    d->init(opt);
    return d;
}

}  // namespace herald::dns
