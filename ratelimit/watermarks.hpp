// The watermark watcher: every interval it reads Redis' memory use
// (INFO memory) and its persistence (INFO persistence), and the free space
// of the Redis data folder when herald knows it, and while any is past its
// watermark it flags every shard (meta pressure_until/pressure_reason), so
// admission refuses new work with 503 backpressure before Redis or its
// disk fills up. Transitions are logged as alerts and written as events.
// Accepted work is never touched: workers keep delivering, which is what
// brings the pressure down. A flag Redis refuses to write (MISCONF, OOM)
// is logged as backpressure.flag_failed at error level and tried again
// next tick; the alert is logged only once the flag is written. Every
// usage_recount_s it also recounts the tenants' storage usage from what is
// really queued (herald_usage_recount), the safety net under the exact
// in-script accounting.
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event.hpp"
#include "queue/redis_client.hpp"

#include <optional>
#include <string>

namespace herald::ratelimit {

struct redis_vitals {
    std::uint64_t used_memory = 0, maxmemory = 0, aof_bytes = 0;
    std::optional<std::uint64_t> disk_free_bytes;  // when the data folder is known
};

// The reason to refuse work, or nothing. Pure: tests feed it numbers.
std::optional<std::string> pressure_reason(const redis_vitals& v, const watermarks_config& w);

// A value from INFO text ("used_memory:123\r\n..."), 0 when absent.
std::uint64_t info_field(std::string_view info, std::string_view name);

class watermark_watcher {
public:
    watermark_watcher(boost::asio::any_io_executor ex, redis::client& redis, const clock& clk,
                      watermarks_config w, std::uint32_t shards);

    boost::asio::awaitable<void> run();  // until stop()
    void stop();
    bool under_pressure() const { return on_.value_or(false); }

private:
    boost::asio::awaitable<std::optional<redis_vitals>> read_vitals();
    boost::asio::awaitable<void> publish(const std::optional<std::string>& reason);
    boost::asio::awaitable<void> recount_usage();

    redis::client& redis_;
    const clock& clock_;
    watermarks_config w_;
    std::uint32_t shards_;
    event wake_;
    bool stopping_ = false;
    std::optional<bool> on_;  // unknown until the first publish, which clears stale flags
    std::string last_reason_;
    std::chrono::steady_clock::time_point recounted_at_ = std::chrono::steady_clock::now();
};

}  // namespace herald::ratelimit
