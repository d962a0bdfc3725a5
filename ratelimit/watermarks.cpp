#include "ratelimit/watermarks.hpp"

#include "core/log.hpp"
#include "queue/events.hpp"
#include "queue/keys.hpp"

#include <sys/statvfs.h>

#include <charconv>

namespace herald::ratelimit {

namespace asio = boost::asio;

std::uint64_t info_field(std::string_view info, std::string_view name) {
    std::string key = "\n" + std::string(name) + ":";
    auto pos = info.find(key);
    if (pos == std::string_view::npos) {
        if (!info.starts_with(key.substr(1))) return 0;
        pos = 0;
    } else {
        pos += 1;
    }
    auto start = info.data() + pos + name.size() + 1;
    std::uint64_t v = 0;
    std::from_chars(start, info.data() + info.size(), v);
    return v;
}

std::optional<std::string> pressure_reason(const redis_vitals& v, const watermarks_config& w) {
    std::string why;
    if (v.maxmemory > 0 && v.used_memory * 100 >= v.maxmemory * w.memory_percent)
        why = "memory: " + std::to_string(v.used_memory) + " of maxmemory " +
              std::to_string(v.maxmemory) + " bytes used, ceiling " +
              std::to_string(w.memory_percent) + "%";
    if (v.disk_free_bytes && *v.disk_free_bytes < w.disk_min_free_mb * 1024 * 1024) {
        if (!why.empty()) why += "; ";
        why += "disk: " + std::to_string(*v.disk_free_bytes / (1024 * 1024)) + " MB free in " +
               w.data_dir + ", below " + std::to_string(w.disk_min_free_mb) + " MB (AOF is " +
               std::to_string(v.aof_bytes / (1024 * 1024)) + " MB)";
    }
    if (why.empty()) return std::nullopt;
    return why;
}

namespace {

// Why a pipeline did not do all it was asked: its error, or the first
// error reply among its commands; nothing when every command succeeded.
std::optional<std::string> first_failure(const result<std::vector<redis::reply>>& r) {
    if (!r) return r.error().to_string();
    for (const auto& rep : *r)
        if (rep.is_error()) return rep.str;
    return std::nullopt;
}

}  // namespace

watermark_watcher::watermark_watcher(asio::any_io_executor ex, redis::client& redis,
                                     const clock& clk, watermarks_config w, std::uint32_t shards)
    : redis_(redis), clock_(clk), w_(std::move(w)), shards_(shards), wake_(ex) {}

void watermark_watcher::stop() {
    stopping_ = true;
    wake_.notify_all();
}

asio::awaitable<std::optional<redis_vitals>> watermark_watcher::read_vitals() {
    std::vector<redis::command> cmds{redis::cmd("INFO", "memory"),
                                     redis::cmd("INFO", "persistence")};
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r || (*r)[0].is_error()) co_return std::nullopt;
    redis_vitals v;
    v.used_memory = info_field((*r)[0].str, "used_memory");
    v.maxmemory = info_field((*r)[0].str, "maxmemory");
    v.aof_bytes = info_field((*r)[1].str, "aof_current_size");
    // A local statvfs: a few microseconds, no I/O wait.
    struct statvfs fs {};
    if (!w_.data_dir.empty() && ::statvfs(w_.data_dir.c_str(), &fs) == 0)
        v.disk_free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    co_return v;
}

asio::awaitable<void> watermark_watcher::publish(const std::optional<std::string>& reason) {
    const bool on = reason.has_value();
    if (!on && on_ == false) co_return;
    std::vector<redis::command> cmds;
    const std::string until = std::to_string(clock_.now_ms() + 3 * w_.interval_ms);
    for (std::uint32_t s = 0; s < shards_; ++s) {
        const std::string meta = queue::meta_key(s);
        if (on)
            cmds.push_back(
                redis::cmd("HSET", meta, "pressure_until", until, "pressure_reason", *reason));
        else
            cmds.push_back(redis::cmd("HDEL", meta, "pressure_until", "pressure_reason"));
        cmds.push_back(redis::cmd("HINCRBY", meta, "settings_version", "1"));
    }
    auto r = co_await redis_.pipeline(std::move(cmds));
    // A pipeline that arrived can still hold refusals (MISCONF when Redis
    // cannot persist, OOM, READONLY): a flag not written protects nothing,
    // so say so loudly and try again next tick, as if nothing was sent.
    if (auto why = first_failure(r)) {
        log::error("backpressure.flag_failed", {{"flag", on ? "set" : "clear"},
                                                {"reason", on ? *reason : last_reason_},
                                                {"redis", *why}});
        co_return;
    }
    // A change is what differs from what we, or a watcher before us that
    // left its flag behind, last published.
    bool cleared_stale = false;
    for (std::size_t i = 0; !on && i < r->size(); i += 2)
        cleared_stale |= (*r)[i].integer > 0;
    const bool changed =
        on ? (on_ != true || *reason != last_reason_) : (on_ == true || cleared_stale);
    if (changed) {
        std::vector<redis::command> events;
        for (std::uint32_t s = 0; s < shards_; ++s)
            events.push_back(queue::event_command(s, on ? "pressure.on" : "pressure.off", "",
                                                  {{"reason", on ? *reason : last_reason_}}));
        auto written = co_await redis_.pipeline(std::move(events));
        if (auto why = first_failure(written))
            log::warn("backpressure.event_failed", {{"redis", *why}});
        if (on)
            log::error("alert.backpressure", {{"reason", *reason}});
        else
            log::warn("backpressure.cleared", {{"was", last_reason_}});
    }
    on_ = on;
    last_reason_ = on ? *reason : std::string();
}

asio::awaitable<void> watermark_watcher::recount_usage() {
    const auto now = std::chrono::steady_clock::now();
    if (now - recounted_at_ < std::chrono::seconds(w_.usage_recount_s)) co_return;
    recounted_at_ = now;
    std::vector<redis::command> cmds;
    for (std::uint32_t s = 0; s < shards_; ++s)
        cmds.push_back(
            redis::cmd("FCALL", "herald_usage_recount", "1", queue::shard_prefix(s), "100000"));
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r) co_return;
    for (std::uint32_t s = 0; s < shards_; ++s) {
        const auto& a = (*r)[s];
        if (a.is_array() && a.size() == 3 && a[2].integer > 0)
            log::warn("usage.corrected",
                      {{"shard", static_cast<std::int64_t>(s)}, {"tenants", a[2].integer}});
        else if (a.is_error())
            log::warn("usage.recount_failed",
                      {{"shard", static_cast<std::int64_t>(s)}, {"redis", a.str}});
        else if (a.is_array() && a.size() > 1 && a[0].str == "err")
            log::warn("usage.recount_skipped",
                      {{"shard", static_cast<std::int64_t>(s)}, {"reason", a[2].str}});
    }
}

asio::awaitable<void> watermark_watcher::run() {
    while (!stopping_) {
        auto v = co_await read_vitals();
        if (v) co_await publish(pressure_reason(*v, w_));
        co_await recount_usage();
        co_await wake_.wait_for(std::chrono::milliseconds(w_.interval_ms));
    }
}

}  // namespace herald::ratelimit
