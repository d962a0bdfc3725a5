#include "ratelimit/destination_health.hpp"

#include "core/log.hpp"
#include "queue/keys.hpp"

namespace herald::ratelimit {

namespace asio = boost::asio;

destination_health::destination_health(redis::client& redis, const clock& clk,
                                       health_options options)
    : redis_(redis), clock_(clk), options_(options) {}

asio::awaitable<result<redis::reply>> destination_health::call(const std::string& destination,
                                                               const char* action) {
    auto r = co_await redis_.exec(
        redis::cmd("FCALL", "herald_health", "1", queue::destination_health_key(destination),
                   action, std::to_string(clock_.now_ms()), std::to_string(options_.failures),
                   std::to_string(options_.suspend_ms), std::to_string(options_.suspend_max_ms)));
    if (r && (!r->is_array() || r->size() < 2 || (*r)[0].str == "err"))
        co_return make_error(errc::internal,
                             "herald_health answered " + (r->size() > 2 ? (*r)[2].str : r->str));
    co_return r;
}

asio::awaitable<health_verdict> destination_health::check(const std::string& destination) {
    auto& k = known_[destination];
    const millis now = clock_.now_ms();
    const auto steady = std::chrono::steady_clock::now();
    // What this process learnt holds for `refresh`: healthy, or down until.
    if (steady - k.asked < options_.refresh) {
        if (k.until > now) co_return health_verdict{health_verdict::state::down, k.until};
        if (k.clean) co_return health_verdict{};
    }
    auto r = co_await call(destination, "check");
    if (!r) {  // Redis trouble is not the destination's: send, and learn later
        log::warn("destination.health_unknown",
                  {{"destination", destination}, {"error", r.error().to_string()}});
        co_return health_verdict{};
    }
    k.asked = steady;
    const auto& state = (*r)[0].str;
    const millis when = (*r)[1].as_int().value_or(0);
    k.clean = state == "up" && when == 0;
    k.until = state == "down" ? when : 0;
    if (state == "down") co_return health_verdict{health_verdict::state::down, when};
    if (state == "probe") co_return health_verdict{health_verdict::state::probe, when};
    co_return health_verdict{};
}

asio::awaitable<void> destination_health::failed(const std::string& destination,
                                                 const health_witness& w, const std::string& why) {
    auto& k = known_[destination];
    k.clean = false;
    auto r = co_await call(destination, "fail");
    if (!r) co_return;
    if ((*r)[0].str == "counted") co_return;
    k.until = (*r)[1].as_int().value_or(0);
    k.asked = std::chrono::steady_clock::now();
    if ((*r)[0].str != "suspended") co_return;
    const auto level = r->size() > 2 ? (*r)[2].as_int().value_or(0) : 0;
    const millis for_ms = k.until - clock_.now_ms();
    log::warn("destination.suspended",
              {{"destination", destination}, {"for_ms", for_ms}, {"level", level}, {"last", why}});
    co_await event(
        w, "destination.suspended", destination,
        "for " + std::to_string(for_ms) + " ms (level " + std::to_string(level) + "): " + why);
}

asio::awaitable<void> destination_health::worked(const std::string& destination,
                                                 const health_witness& w) {
    auto& k = known_[destination];
    if (k.clean) co_return;  // the hot path: nothing to clear
    auto r = co_await call(destination, "ok");
    if (!r) co_return;
    k = known{std::chrono::steady_clock::now(), 0, true};
    if ((*r)[0].str != "recovered") co_return;
    log::info("destination.recovered", {{"destination", destination}});
    co_await event(w, "destination.recovered", destination, "a send succeeded");
}

asio::awaitable<void> destination_health::event(const health_witness& w, const std::string& type,
                                                const std::string& destination,
                                                std::string detail) {
    auto r = co_await redis_.exec(redis::cmd(
        "XADD", queue::events_key(w.shard), "MAXLEN", "~", queue::events_maxlen(), "*", "type",
        type, "tenant", w.tenant, "destination", destination, "detail", std::move(detail)));
    if (!r || r->is_error())
        log::warn("destination.event_unwritten", {{"destination", destination}, {"type", type}});
}

}  // namespace herald::ratelimit
