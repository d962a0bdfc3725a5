#include "ratelimit/domain_throttle.hpp"

#include "dedupe/content_hash.hpp"
#include "queue/keys.hpp"

#include <algorithm>

namespace herald::ratelimit {

namespace asio = boost::asio;

namespace {

// herald_throttle answers a negative retry when the request can never fit
// (more than the burst): look again in a minute rather than spin.
constexpr millis never_fits_wait = 60'000;

// The domains of a message's recipients, lower-case, each once.
std::vector<std::string> recipient_domains(const message& m) {
    std::vector<std::string> out;
    for (const auto& r : dedupe::recipients(m)) {  // normalised: the domain lower-cased
        auto at = r.rfind('@');
        if (at == std::string::npos || at + 1 == r.size()) continue;
        auto d = r.substr(at + 1);
        if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
    }
    return out;
}

}  // namespace

domain_throttle::domain_throttle(redis::client& redis, const clock& clk, domain_limits limits)
    : redis_(redis), clock_(clk), limits_(limits) {}

asio::awaitable<void> domain_throttle::refresh_limited() {
    const auto now = std::chrono::steady_clock::now();
    if (now - limited_at_ < limits_.refresh) co_return;
    limited_at_ = now;
    auto r = co_await redis_.exec(redis::cmd("SMEMBERS", queue::limited_domains_key()));
    if (!r || !r->is_array()) co_return;  // keep what we knew
    limited_.clear();
    for (const auto& d : r->elements)
        limited_.insert(d.str);
}

asio::awaitable<std::vector<millis>> domain_throttle::waits(
    const std::vector<const queue::queued_message*>& messages) {
    std::vector<millis> waits(messages.size(), 0);
    if (limits_.per_sec == 0) {
        co_await refresh_limited();
        if (limited_.empty()) co_return waits;
    }
    std::vector<redis::command> cmds;
    std::vector<std::size_t> owners;
    const std::string now = std::to_string(clock_.now_ms());
    for (std::size_t i = 0; i < messages.size(); ++i)
        for (const auto& d : recipient_domains(messages[i]->msg)) {
            if (limits_.per_sec == 0 && !limited_.contains(d)) continue;
            cmds.push_back(redis::cmd("FCALL", "herald_throttle", "1", queue::domain_rate_key(d),
                                      now, std::to_string(limits_.per_sec), "1000",
                                      std::to_string(limits_.burst), "1"));
            owners.push_back(i);
        }
    if (cmds.empty()) co_return waits;
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r) co_return waits;  // the limiter is down: send rather than stall
    for (std::size_t k = 0; k < owners.size(); ++k) {
        const auto& a = (*r)[k];
        if (!a.is_array() || a.size() < 4 || a[0].integer != 1) continue;
        const millis wait = a[3].integer < 0 ? never_fits_wait : std::max<millis>(1, a[3].integer);
        waits[owners[k]] = std::max(waits[owners[k]], wait);
    }
    co_return waits;
}

std::vector<redis::command> set_domain_limit(std::string_view domain, std::string_view per_sec,
                                             std::string_view burst) {
    return {redis::cmd("HSET", queue::domain_limit_key(domain), "per_sec", per_sec, "burst", burst),
            redis::cmd("SADD", queue::limited_domains_key(), domain)};
}

std::vector<redis::command> unset_domain_limit(std::string_view domain) {
    return {redis::cmd("DEL", queue::domain_limit_key(domain)),
            redis::cmd("SREM", queue::limited_domains_key(), domain)};
}

}  // namespace herald::ratelimit
