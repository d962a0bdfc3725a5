// `herald top`: every tenant's live rates, busiest first, refreshed every
// second, read from Redis with ops::collect_rates (the numbers of
// GET /v1/stats/rates and the dashboard, the same from any node).
//
//   herald top [--window 60s] [--tenant T] [--once] [--config FILE]
//
// On a terminal: a full screen (the alternate one) that q or Ctrl-C ends,
// the terminal put back as it was. When stdout is not a terminal, or with
// --once: plain lines (app/top_view.hpp `plain`), one snapshot a second
// until SIGINT or SIGTERM, or one snapshot. A failed read is shown (on the
// screen, or on stderr) and tried again the next second; with --once it
// is the JSON error and exit 1.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "app/terminal.hpp"
#include "app/top_view.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/message.hpp"
#include "ops/rates.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pthread.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <iostream>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr auto k_refresh = 1s;

struct top_options {
    ops::rates_query query;
    bool once = false;
};

// The frame: home, each line cleared to its end, the column names in
// reverse video, the rest of the screen cleared.
void draw(const std::vector<std::string>& lines, std::size_t width) {
    std::string out = "\x1b[H";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i) out += "\n";
        if (i == top::k_header_line) {
            std::string bar = lines[i];
            if (bar.size() < width) bar.resize(width, ' ');
            out += "\x1b[7m" + bar + "\x1b[0m";
        } else {
            out += lines[i] + "\x1b[K";
        }
    }
    out += "\x1b[J";
    std::cout << out << std::flush;
}

// What ends the loop: q, Q or Ctrl-C on a raw terminal, and SIGINT,
// SIGTERM or SIGHUP. Each cancels the timer the loop waits on.
class stopper {
public:
    stopper(asio::any_io_executor ex, asio::steady_timer& tick, bool keys)
        : tick_(tick), signals_(ex, SIGINT, SIGTERM, SIGHUP), in_(ex) {
        signals_.async_wait([this](boost::system::error_code ec, int) {
            if (!ec) stop();
        });
        if (!keys) return;
        const int fd = ::dup(STDIN_FILENO);
        if (fd < 0) return;
        in_.assign(fd);
        read_key();
    }
    ~stopper() {
        boost::system::error_code ignored;
        signals_.cancel(ignored);
        in_.close(ignored);
    }
    bool stopped() const { return stopped_; }

private:
    // The handlers touch `this` only without an error: a cancelled wait
    // completes after the stopper is gone.
    void read_key() {
        in_.async_read_some(asio::buffer(buf_),
                            [this](boost::system::error_code ec, std::size_t n) {
                                if (ec) return;
                                for (std::size_t i = 0; i < n; ++i)
                                    if (buf_[i] == 'q' || buf_[i] == 'Q' || buf_[i] == 3)
                                        return stop();
                                read_key();
                            });
    }
    void stop() {
        // From here on a second SIGINT or SIGTERM (timeout(1) signals the
        // process and then its group) waits, blocked, until the process
        // has put the terminal back and exited: Asio restores the default
        // action, which would kill it midway, when the signal set goes.
        sigset_t block;
        sigemptyset(&block);
        for (int s : {SIGINT, SIGTERM, SIGHUP})
            sigaddset(&block, s);
        ::pthread_sigmask(SIG_BLOCK, &block, nullptr);
        stopped_ = true;
        tick_.cancel();
    }

    asio::steady_timer& tick_;
    asio::signal_set signals_;
    asio::posix::stream_descriptor in_;
    std::array<char, 16> buf_{};
    bool stopped_ = false;
};

asio::awaitable<result<top::snapshot>> fetch(redis::client& redis, const config& cfg,
                                             const ops::rates_query& q) {
    auto rates = co_await ops::collect_rates(redis, cfg.queue.shards, q,
                                             static_cast<std::uint64_t>(wall_clock{}.now_ms()));
    if (!rates) co_return rates.error();
    co_return top::read_snapshot(*rates);
}

asio::awaitable<int> once(redis::client& redis, const config& cfg, const top_options& o) {
    auto snap = co_await fetch(redis, cfg, o.query);
    if (!snap) co_return print_error(snap.error());
    std::cout << top::plain(*snap) << std::flush;
    co_return 0;
}

// Both forms' loop: a snapshot each second until stopped.
asio::awaitable<int> loop(redis::client& redis, const config& cfg, const top_options& o,
                          bool screen) {
    auto ex = co_await asio::this_coro::executor;
    std::optional<raw_terminal> term;
    if (screen) term.emplace();
    asio::steady_timer tick(ex);
    stopper stop(ex, tick, term && term->keys());
    std::optional<top::snapshot> last;
    while (!stop.stopped()) {
        const auto next = std::chrono::steady_clock::now() + k_refresh;
        auto snap = co_await fetch(redis, cfg, o.query);
        if (snap) last = std::move(*snap);
        if (screen) {
            const auto size = stdout_size();
            auto lines = last ? top::screen(*last, size.columns, size.rows)
                              : std::vector<std::string>{"herald top", ""};
            if (!snap && lines.size() > 1)
                lines[1] = "! cannot read the rates: " + snap.error().detail + " (trying again)";
            draw(lines, size.columns);
        } else if (snap) {
            std::cout << top::plain(*last) << std::flush;
        } else {
            std::cerr << "herald top: " << snap.error().name() << ": " << snap.error().detail
                      << "\n";
        }
        if (stop.stopped()) break;
        tick.expires_at(next);
        auto [ec] = co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;
    }
    co_return 0;
}

}  // namespace

int cmd_top(const args& a) {
    std::string config_flag, window = "60s", tenant;
    top_options o;
    po::options_description opts("herald top [options]");
    opts.add_options()("help,h", "this help")("config,c", po::value(&config_flag),
                                              "configuration file")(
        "window,w", po::value(&window), "counts over this span: 60s..15m (default 60s)")(
        "tenant,t", po::value(&tenant), "only this tenant")(
        "once", po::bool_switch(&o.once), "print one snapshot as plain lines and exit");
    po::options_description hidden;
    int status = 0;
    auto vm = parse_command(a, opts, hidden, {}, status);
    if (!vm) return status;
    if (!tenant.empty())
        if (auto ok = validate_tenant(tenant); !ok) return print_error(ok.error());
    auto q = ops::make_query(window, "",
                             tenant.empty() ? std::nullopt : std::optional<std::string>(tenant));
    if (!q) return print_error(q.error());
    o.query = *q;
    auto cfg = load_or_report(config_flag);
    if (!cfg) return 1;
    const bool screen = !o.once && ::isatty(STDOUT_FILENO);
    // The screen is the output: only errors may interrupt it.
    if (!log::enabled(log::level::debug))
        log::configure(screen ? log::level::error : log::level::warn, cfg->log.format == "json");
    return with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        if (o.once) {
            auto rc = co_await once(redis, *cfg, o);
            co_return rc;
        }
        auto rc = co_await loop(redis, *cfg, o, screen);
        co_return rc;
    });
}

}  // namespace herald::app
