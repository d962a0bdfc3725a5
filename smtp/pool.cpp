#include "smtp/pool.hpp"

#include "core/event.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <vector>

namespace herald::smtp {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> quit_in_background(std::shared_ptr<session> s, milliseconds within) {
    co_await s->quit(within);
}

}  // namespace

struct pool::impl : std::enable_shared_from_this<impl> {
    struct parked {
        std::shared_ptr<session> s;
        steady::time_point since;
    };
    // One destination's connections.
    struct site {
        explicit site(asio::any_io_executor ex) : freed(std::move(ex)) {}
        std::vector<parked> idle;  // oldest first; reused from the back
        std::size_t open = 0;      // connecting, busy or idle
        std::size_t users = 0;     // send() calls in progress: the site stays while > 0
        event freed;               // a connection went idle or closed
    };
    struct lease {
        std::shared_ptr<session> s;
        bool reused = false;
    };

    impl(asio::any_io_executor e, pool_options o, std::shared_ptr<asio::ssl::context> t)
        : ex(e), opt(std::move(o)), tls(std::move(t)), reaper(e) {}

    asio::any_io_executor ex;
    pool_options opt;
    std::shared_ptr<asio::ssl::context> tls;
    std::map<std::string, std::unique_ptr<site>> sites;  // by destination::str()
    pool_stats counters;
    bool closed = false;
    bool reaping = false;
    asio::steady_timer reaper;

    site& site_for(const std::string& key) {
        auto& s = sites[key];
        if (!s) s = std::make_unique<site>(ex);
        return *s;
    }

    void forget_if_unused(const std::string& key) {
        auto it = sites.find(key);
        if (it != sites.end() && it->second->users == 0 && it->second->open == 0) sites.erase(it);
    }

    // ---- borrowing and giving back ------------------------------------------

    asio::awaitable<step<lease>> acquire(site& s, const destination& d) {
        const auto deadline = steady::now() + opt.wait_timeout;
        for (;;) {
            if (closed)
                co_return failure{phase::connect, smtp_errc::pool_closed, std::nullopt,
                                  "the pool is closed"};
            if (!s.idle.empty()) {
                auto sess = std::move(s.idle.back().s);
                s.idle.pop_back();
                ++counters.reuses;
                co_return lease{std::move(sess), true};
            }
            if (s.open < opt.max_connections) co_return co_await connect(s, d);
            if (steady::now() >= deadline)
                co_return failure{phase::connect, smtp_errc::pool_timeout, std::nullopt,
                                  "no connection became free in " +
                                      std::to_string(opt.wait_timeout.count()) + " ms"};
            co_await s.freed.wait_until(deadline);
        }
    }

    asio::awaitable<step<lease>> connect(site& s, const destination& d) {
        ++s.open;  // counted while connecting, so concurrent sends respect the maximum
        auto sess = std::make_shared<session>(ex, d, opt.session, tls);
        auto r = co_await sess->open();
        if (!r) {
            --s.open;
            ++counters.connections_failed;
            s.freed.notify_all();
            co_return r.error();
        }
        ++counters.connections_opened;
        co_return lease{std::move(sess), false};
    }

    void release(site& s, std::shared_ptr<session> sess) {
        const bool keep = !closed && sess->usable() && opt.idle_timeout.count() > 0 &&
                          sess->transactions() < opt.max_messages_per_connection;
        if (!keep) return retire(s, std::move(sess));
        s.idle.push_back({std::move(sess), steady::now()});
        start_reaper();
        s.freed.notify_all();
    }

    void retire(site& s, std::shared_ptr<session> sess) {
        --s.open;
        s.freed.notify_all();
        asio::co_spawn(ex, quit_in_background(std::move(sess), opt.quit_timeout), asio::detached);
    }

    // ---- one message ----------------------------------------------------------

    asio::awaitable<send_result> send(destination d, envelope env, std::string_view data) {
        auto self = shared_from_this();
        const auto key = d.str();
        auto& s = site_for(key);
        ++s.users;
        send_result out;
        for (;;) {
            auto l = co_await acquire(s, d);
            if (!l) {
                transcript t;
                t.failed = l.error();
                out = conclude(env, t, key);
                break;
            }
            if (l->reused) {
                auto r = co_await l->s->reset();
                if (!r) {  // the peer dropped it while idle: nothing was sent, try another
                    retire(s, std::move(l->s));
                    continue;
                }
            }
            ++counters.transactions;
            out = co_await l->s->send(env, data);
            release(s, std::move(l->s));
            break;
        }
        --s.users;
        forget_if_unused(key);
        co_return out;
    }

    // ---- idle connections -------------------------------------------------------

    void start_reaper() {
        if (reaping || closed) return;
        reaping = true;
        asio::co_spawn(ex, reap(shared_from_this()), asio::detached);
    }

    // QUITs what has been idle too long; answers when the next one expires.
    std::optional<steady::time_point> expire_idle(steady::time_point now) {
        std::optional<steady::time_point> next;
        std::vector<std::string> empty;
        for (auto& [key, s] : sites) {
            while (!s->idle.empty() && s->idle.front().since + opt.idle_timeout <= now) {
                auto sess = std::move(s->idle.front().s);
                s->idle.erase(s->idle.begin());
                retire(*s, std::move(sess));
            }
            if (!s->idle.empty()) {
                auto at = s->idle.front().since + opt.idle_timeout;
                if (!next || at < *next) next = at;
            }
            if (s->users == 0 && s->open == 0) empty.push_back(key);
        }
        for (const auto& key : empty)
            sites.erase(key);
        return next;
    }

    static asio::awaitable<void> reap(std::shared_ptr<impl> self) {
        while (!self->closed) {
            auto next = self->expire_idle(steady::now());
            if (!next) break;
            self->reaper.expires_at(*next);
            co_await self->reaper.async_wait(use_tuple);
        }
        self->reaping = false;
    }

    // ---- closing ------------------------------------------------------------------

    std::vector<std::shared_ptr<session>> shut() {
        closed = true;
        reaper.cancel();
        std::vector<std::shared_ptr<session>> idle;
        for (auto& [key, s] : sites) {
            for (auto& p : s->idle)
                idle.push_back(std::move(p.s));
            s->open -= s->idle.size();
            s->idle.clear();
            s->freed.notify_all();
        }
        return idle;
    }

    pool_stats stats() const {
        auto out = counters;
        for (const auto& [key, s] : sites) {
            out.open += s->open;
            out.idle += s->idle.size();
        }
        return out;
    }
};

result<std::unique_ptr<pool>> pool::create(asio::any_io_executor ex, pool_options options) {
    auto tls = make_tls_context(options.session.tls);
    if (!tls) return tls.error();
    auto p = std::make_shared<impl>(std::move(ex), std::move(options), std::move(*tls));
    return std::unique_ptr<pool>(new pool(std::move(p)));
}

pool::pool(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

pool::~pool() {
    // Idle connections close without QUIT; running sends finish on their own.
    impl_->shut();
}

asio::awaitable<send_result> pool::send(destination dest, envelope env, std::string_view data) {
    auto p = impl_;
    co_return co_await p->send(std::move(dest), std::move(env), data);
}

asio::awaitable<void> pool::close() {
    auto p = impl_;
    auto idle = p->shut();
    // Side by side: n slow peers cost one quit_timeout, not n.
    auto left = std::make_shared<std::size_t>(idle.size());
    auto done = std::make_shared<event>(p->ex);
    for (auto& s : idle)
        asio::co_spawn(p->ex, quit_in_background(s, p->opt.quit_timeout),
                       [left, done](std::exception_ptr) {
                           if (--*left == 0) done->notify_all();
                       });
    while (*left > 0)
        co_await done->wait_for(p->opt.quit_timeout);
}

pool_stats pool::stats() const {
    return impl_->stats();
}

}  // namespace herald::smtp
