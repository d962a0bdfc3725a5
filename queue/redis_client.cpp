#include "queue/redis_client.hpp"

#include "core/event.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "queue/errors.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <random>

namespace herald::redis {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// One batch of commands awaiting replies. hiredis calls each command's
// callback exactly once, with NULL when the connection goes away, so
// `remaining` always reaches zero.
struct batch {
    explicit batch(asio::any_io_executor ex, std::size_t n) : replies(n), remaining(n), wake(ex) {}
    std::vector<reply> replies;
    std::size_t remaining;
    bool lost = false;
    asio::steady_timer wake;  // cancelled when the last reply arrives
};

struct slot {
    std::shared_ptr<batch> b;
    std::size_t index;
};

void on_reply(redisAsyncContext*, void* r, void* priv) {
    std::unique_ptr<slot> s(static_cast<slot*>(priv));
    if (r)
        s->b->replies[s->index] = reply::from(*static_cast<redisReply*>(r));
    else
        s->b->lost = true;
    if (--s->b->remaining == 0) s->b->wake.cancel();
}

}  // namespace

struct client::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, endpoint ep, client_options opt)
        : ex_(ex),
          ep_(std::move(ep)),
          opt_(opt),
          down_(ex),
          up_(ex),
          rng_(std::random_device{}()) {}

    asio::any_io_executor ex_;
    endpoint ep_;
    client_options opt_;
    redisAsyncContext* ac_ = nullptr;
    std::optional<asio::posix::stream_descriptor> sd_;
    std::uint64_t gen_ = 0;  // bumped per context, so stale waits do nothing
    bool reading_ = false, writing_ = false, read_waiting_ = false, write_waiting_ = false;
    bool connected_ = false, stopped_ = false;
    std::uint64_t reconnects_ = 0;
    asio::steady_timer down_;  // cancelled when the connection drops
    event up_;                 // commands waiting for a connection
    std::mt19937_64 rng_;

    // ---- hiredis event hooks -------------------------------------------------

    static impl& of(void* p) { return *static_cast<impl*>(p); }

    void wait(bool for_read) {
        bool& waiting = for_read ? read_waiting_ : write_waiting_;
        if (waiting || !sd_) return;
        waiting = true;
        auto type = for_read ? asio::posix::descriptor_base::wait_read
                             : asio::posix::descriptor_base::wait_write;
        sd_->async_wait(
            type, [self = shared_from_this(), gen = gen_, for_read](boost::system::error_code ec) {
                if (gen != self->gen_) return;
                (for_read ? self->read_waiting_ : self->write_waiting_) = false;
                bool& wanted = for_read ? self->reading_ : self->writing_;
                if (ec || !self->ac_ || !wanted) return;
                if (for_read)
                    redisAsyncHandleRead(self->ac_);
                else
                    redisAsyncHandleWrite(self->ac_);
                // hiredis may have freed the context inside the call above.
                if (self->ac_ && (for_read ? self->reading_ : self->writing_)) self->wait(for_read);
            });
    }

    void attach(redisAsyncContext* ac) {
        ac_ = ac;
        ++gen_;
        reading_ = writing_ = read_waiting_ = write_waiting_ = false;
        sd_.emplace(ex_, ac->c.fd);
        ac->ev.data = this;
        ac->ev.addRead = [](void* p) { of(p).reading_ = true, of(p).wait(true); };
        ac->ev.delRead = [](void* p) { of(p).reading_ = false; };
        ac->ev.addWrite = [](void* p) { of(p).writing_ = true, of(p).wait(false); };
        ac->ev.delWrite = [](void* p) { of(p).writing_ = false; };
        ac->ev.cleanup = [](void* p) { of(p).on_cleanup(); };
    }

    // hiredis is about to close the fd and free the context: let go of both.
    void on_cleanup() {
        if (sd_) {
            boost::system::error_code ignored;
            sd_->cancel(ignored);
            sd_->release();
            sd_.reset();
        }
        ac_ = nullptr;
        ++gen_;
        if (connected_ && !stopped_) log::warn("redis.disconnected", {{"redis", ep_.str()}});
        connected_ = false;
        down_.cancel();
    }

    void drop() {
        if (ac_) redisAsyncFree(ac_);  // fails pending callbacks, runs on_cleanup
    }

    // ---- commands ------------------------------------------------------------

    void submit(const command& cmd, const std::shared_ptr<batch>& b, std::size_t i) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        argv.reserve(cmd.size());
        lens.reserve(cmd.size());
        for (const auto& a : cmd)
            argv.push_back(a.data()), lens.push_back(a.size());
        auto* s = new slot{b, i};
        int rc = ac_ ? redisAsyncCommandArgv(ac_, on_reply, s, static_cast<int>(argv.size()),
                                             argv.data(), lens.data())
                     : REDIS_ERR;
        if (rc != REDIS_OK) on_reply(nullptr, nullptr, s);
    }

    // `timed`: the round trip is observed for /metrics; not for commands
    // that block on purpose.
    asio::awaitable<result<std::vector<reply>>> run_batch(std::vector<command> cmds,
                                                          steady::time_point deadline, bool timed) {
        auto self = shared_from_this();
        while (!connected_ && !stopped_ && steady::now() < deadline)
            co_await up_.wait_until(deadline);
        if (stopped_) co_return queue::make_error(queue::queue_errc::stopped, "client stopped");
        if (!connected_)
            co_return queue::make_error(queue::queue_errc::not_connected,
                                        "no connection to " + ep_.str());
        const auto sent = steady::now();
        auto replies = co_await send(cmds, deadline);
        if (timed && replies)
            metrics::observe(metrics::latency::redis_round_trip,
                             std::chrono::duration<double>(steady::now() - sent).count());
        co_return replies;
    }

    // Sends on the current connection without waiting for one (also used
    // for the handshake, before the client counts as connected).
    asio::awaitable<result<std::vector<reply>>> send(const std::vector<command>& cmds,
                                                     steady::time_point deadline) {
        auto b = std::make_shared<batch>(ex_, cmds.size());
        for (std::size_t i = 0; i < cmds.size(); ++i)
            submit(cmds[i], b, i);
        if (b->remaining > 0) {
            b->wake.expires_at(deadline);
            co_await b->wake.async_wait(use_tuple);
        }
        if (b->remaining > 0) {
            log::warn("redis.timeout", {{"redis", ep_.str()}, {"command", cmds.front().front()}});
            drop();
            co_return queue::make_error(queue::queue_errc::timeout,
                                        cmds.front().front() + " timed out");
        }
        if (b->lost)
            co_return queue::make_error(
                stopped_ ? queue::queue_errc::stopped : queue::queue_errc::connection_lost,
                "connection to " + ep_.str() + " lost");
        co_return std::move(b->replies);
    }

    // ---- connection loop -----------------------------------------------------

    asio::awaitable<bool> connect_once() {
        redisAsyncContext* ac = redisAsyncConnect(ep_.host.c_str(), ep_.port);
        if (!ac) co_return false;
        if (ac->err) {
            log::debug("redis.connect_failed", {{"redis", ep_.str()}, {"reason", ac->errstr}});
            redisAsyncFree(ac);
            co_return false;
        }
        attach(ac);
        std::vector<command> hello;
        if (!ep_.password.empty()) {
            if (ep_.user.empty())
                hello.push_back({"AUTH", ep_.password});
            else
                hello.push_back({"AUTH", ep_.user, ep_.password});
        }
        if (ep_.db != 0) hello.push_back({"SELECT", std::to_string(ep_.db)});
        // The name only helps ops see the connection: a Redis that refuses
        // it (an ACL) still gets used.
        const std::size_t naming = opt_.name.empty() ? SIZE_MAX : hello.size();
        if (!opt_.name.empty()) hello.push_back({"CLIENT", "SETNAME", opt_.name});
        hello.push_back({"PING"});
        auto r = co_await send(hello, steady::now() + opt_.connect_timeout);
        if (!r) co_return false;
        for (std::size_t i = 0; i < r->size(); ++i) {
            const auto& rep = (*r)[i];
            if (!rep.is_error()) continue;
            if (i == naming) {
                log::warn("redis.name_refused", {{"redis", ep_.str()}, {"reply", rep.str}});
                continue;
            }
            // A Redis that cannot persist answers PING with MISCONF, yet
            // reads and its answers to writes still work: the caller must
            // hear that cause, not "no connection".
            if (&rep == &r->back() && refuses_writes(rep)) {
                log::warn("redis.refuses_writes", {{"redis", ep_.str()}, {"reply", rep.str}});
                continue;
            }
            log::error("redis.handshake_failed", {{"redis", ep_.str()}, {"reply", rep.str}});
            drop();
            co_return false;
        }
        connected_ = true;
        co_return true;
    }

    asio::awaitable<void> run() {
        auto self = shared_from_this();
        auto backoff = opt_.backoff_min;
        bool first = true;
        while (!stopped_) {
            if (co_await connect_once()) {
                log::info("redis.connected", {{"redis", ep_.str()}});
                if (!first) ++reconnects_;
                first = false;
                backoff = opt_.backoff_min;
                up_.notify_all();
                while (connected_ && !stopped_) {
                    down_.expires_at(steady::time_point::max());
                    co_await down_.async_wait(use_tuple);
                }
                continue;
            }
            // Full jitter keeps a fleet of workers from reconnecting in step.
            std::uniform_int_distribution<long> d(0, backoff.count());
            asio::steady_timer t(ex_, milliseconds(d(rng_)));
            co_await t.async_wait(use_tuple);
            backoff = std::min(backoff * 2, opt_.backoff_max);
        }
    }
};

client::client(asio::any_io_executor ex, endpoint ep, client_options opt)
    : impl_(std::make_shared<impl>(ex, std::move(ep), opt)) {}

client::~client() {
    stop();
}

void client::start() {
    asio::co_spawn(impl_->ex_, impl_->run(), asio::detached);
}

void client::stop() {
    if (impl_->stopped_) return;
    impl_->stopped_ = true;
    impl_->drop();
    impl_->down_.cancel();
    impl_->up_.notify_all();
}

std::unique_ptr<client> client::sibling() const {
    return std::make_unique<client>(impl_->ex_, impl_->ep_, impl_->opt_);
}

bool client::connected() const {
    return impl_->connected_;
}
std::uint64_t client::reconnects() const {
    return impl_->reconnects_;
}

asio::awaitable<result<std::vector<reply>>> client::pipeline(std::vector<command> cmds,
                                                             milliseconds extra) {
    auto self = impl_;
    auto deadline = std::chrono::steady_clock::now() + self->opt_.timeout + extra;
    co_return co_await self->run_batch(std::move(cmds), deadline, extra.count() == 0);
}

asio::awaitable<result<reply>> client::exec(command cmd, milliseconds extra) {
    std::vector<command> one;
    one.push_back(std::move(cmd));
    auto r = co_await pipeline(std::move(one), extra);
    if (!r) co_return r.error();
    auto& rep = r->front();
    if (rep.is_error()) co_return error_from_reply(rep);
    co_return std::move(rep);
}

bool refuses_writes(const reply& r) {
    return r.is_error() && r.str.starts_with("MISCONF");
}

error error_from_reply(const reply& r) {
    if (r.str.starts_with("OOM")) return queue::make_error(queue::queue_errc::out_of_memory, r.str);
    if (refuses_writes(r)) return make_error(errc::backpressure, "redis refuses writes: " + r.str);
    return queue::make_error(queue::queue_errc::server_error, r.str);
}

// ---- endpoint ---------------------------------------------------------------

result<endpoint> endpoint::parse(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return make_error(errc::invalid_argument, "redis url: " + std::string(why));
    };
    endpoint ep;
    if (!url.starts_with("redis://")) return bad("must start with redis://");
    url.remove_prefix(8);
    if (auto at = url.rfind('@'); at != std::string_view::npos) {
        auto cred = url.substr(0, at);
        url.remove_prefix(at + 1);
        auto colon = cred.find(':');
        if (colon == std::string_view::npos) return bad("credentials must be [user]:password");
        ep.user = std::string(cred.substr(0, colon));
        ep.password = std::string(cred.substr(colon + 1));
    }
    if (auto slash = url.find('/'); slash != std::string_view::npos) {
        auto db = url.substr(slash + 1);
        url = url.substr(0, slash);
        if (!db.empty()) {
            auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), ep.db);
            if (ec != std::errc{} || p != db.data() + db.size() || ep.db < 0)
                return bad("database must be a number");
        }
    }
    if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
        auto port = url.substr(colon + 1);
        url = url.substr(0, colon);
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), ep.port);
        if (ec != std::errc{} || p != port.data() + port.size() || ep.port == 0)
            return bad("port must be 1..65535");
    }
    if (url.empty()) return bad("host is missing");
    ep.host = std::string(url);
    return ep;
}

std::string endpoint::str() const {
    return "redis://" + host + ':' + std::to_string(port) + (db ? '/' + std::to_string(db) : "");
}

}  // namespace herald::redis
