#include "ratelimit/destination_health.hpp"

#include "core/log.hpp"
#include "queue/errors.hpp"
#include "queue/events.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"

namespace herald::ratelimit {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

destination_health::destination_health(redis::client& redis, const clock& clk,
                                       health_options options)
    : redis_(redis), clock_(clk), options_(options) {}

asio::awaitable<result<redis::reply>> destination_health::call(const std::string& destination,
                                                               const char* action) {
    auto r = co_await queue::call_function(
        redis_,
        redis::cmd("FCALL", "herald_health", "1", queue::destination_health_key(destination),
                   action, std::to_string(clock_.now_ms()), std::to_string(options_.failures),
                   std::to_string(options_.suspend_ms), std::to_string(options_.suspend_max_ms)));
    if (r && (!r->is_array() || r->size() < 2))
        co_return make_error(queue::queue_errc::protocol, "herald_health answered no state");
    co_return r;
}

// What this process knows of a destination, made on first use. Entries
// are looked up again after every co_await: forget() may drop them.
destination_health::known& destination_health::about(const std::string& destination) {
    if (known_.size() >= max_known) forget();
    return known_[destination];
}

// A process that has talked to very many destinations drops those it has
// not asked about lately and that are not suspended.
void destination_health::forget() {
    const auto stale = steady::now() - 60 * options_.refresh - std::chrono::seconds(60);
    const millis now = clock_.now_ms();
    std::erase_if(known_,
                  [&](const auto& e) { return e.second.asked < stale && e.second.until <= now; });
}

asio::awaitable<health_verdict> destination_health::check(const std::string& destination) {
    const millis now = clock_.now_ms();
    {
        // What this process learnt holds for `refresh`: healthy, or down until.
        const auto& k = about(destination);
        if (steady::now() - k.asked < options_.refresh) {
            if (k.until > now) co_return health_verdict{health_verdict::state::down, k.until};
            if (k.clean) co_return health_verdict{};
        }
    }
    auto r = co_await call(destination, "check");
    if (!r) {
        // Redis trouble is not the destination's: send, and ask again after
        // `refresh` rather than on every message meanwhile.
        log::warn("destination.health_unknown",
                  {{"destination", destination}, {"error", r.error().to_string()}});
        auto& k = about(destination);
        k.asked = steady::now();
        k.clean = true;
        k.until = 0;
        co_return health_verdict{};
    }
    const auto& state = (*r)[0].str;
    const millis when = (*r)[1].as_int().value_or(0);
    auto& k = about(destination);
    k.asked = steady::now();
    k.clean = state == "up" && when == 0;
    k.until = state == "down" ? when : 0;
    if (state == "down") co_return health_verdict{health_verdict::state::down, when};
    if (state == "probe") co_return health_verdict{health_verdict::state::probe, when};
    co_return health_verdict{};
}

asio::awaitable<void> destination_health::failed(const std::string& destination,
                                                 const health_witness& w, const std::string& why) {
    about(destination).clean = false;
    auto r = co_await call(destination, "fail");
    if (!r || (*r)[0].str == "counted") co_return;
    auto& k = about(destination);
    k.until = (*r)[1].as_int().value_or(0);
    k.asked = steady::now();
    if ((*r)[0].str != "suspended") co_return;
    const auto level = r->size() > 2 ? (*r)[2].as_int().value_or(0) : 0;
    const millis for_ms = k.until - clock_.now_ms();
    log::warn("destination.suspended",
              {{"destination", destination}, {"for_ms", for_ms}, {"level", level}, {"last", why}});
    co_await event(
        w, "destination.suspended", destination,
        "for " + std::to_string(for_ms) + " ms (level " + std::to_string(level) + "): " + why);
}

// Failures count in a row across every worker, so successes must reach
// Redis too; a clean destination reports at most once per `refresh`.
asio::awaitable<void> destination_health::worked(const std::string& destination,
                                                 const health_witness& w) {
    {
        auto& k = about(destination);
        if (k.clean && steady::now() - k.reported < options_.refresh) co_return;
        k.reported = steady::now();
    }
    auto r = co_await call(destination, "ok");
    if (!r) co_return;
    auto& k = about(destination);
    k.asked = steady::now();
    k.until = 0;
    k.clean = true;
    if ((*r)[0].str != "recovered") co_return;
    log::info("destination.recovered", {{"destination", destination}});
    co_await event(w, "destination.recovered", destination, "a send succeeded");
}

asio::awaitable<void> destination_health::event(const health_witness& w, const std::string& type,
                                                const std::string& destination,
                                                std::string detail) {
    auto cmd = queue::event_command(w.shard, type, w.tenant,
                                    {{"destination", destination}, {"detail", std::move(detail)}});
    auto r = co_await redis_.exec(std::move(cmd));
    if (!r || r->is_error())
        log::warn("destination.event_unwritten", {{"destination", destination}, {"type", type}});
}

}  // namespace herald::ratelimit
