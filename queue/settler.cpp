#include "queue/settler.hpp"

#include "core/log.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "queue/library.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herald::queue {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

settler::settler(asio::any_io_executor ex, redis::client& redis, const clock& clk,
                 settle_options opt, std::function<void(const settle_record&)> on_written)
    : redis_(redis),
      clock_(clk),
      opt_(std::move(opt)),
      on_written_(std::move(on_written)),
      signal_(ex) {}

void settler::add(std::uint32_t shard, channel ch, settle_record r) {
    queue_[{shard, ch}].push_back(std::move(r));
    ++pending_;
    signal_.cancel();
}

void settler::close(std::chrono::steady_clock::time_point deadline) {
    closed_ = true;
    deadline_ = deadline;
    signal_.cancel();
}

asio::awaitable<void> settler::run() {
    std::chrono::milliseconds backoff{50};
    for (;;) {
        if (queue_.empty()) {
            if (closed_) co_return;
            signal_.expires_at(asio::steady_timer::time_point::max());
            co_await signal_.async_wait(use_tuple);
            continue;
        }
        auto work = std::exchange(queue_, {});
        if (co_await flush(work)) {
            backoff = std::chrono::milliseconds{50};
            continue;
        }
        // Put the batch back in front of anything newer and try again.
        for (auto& [key, recs] : queue_)
            work[key].insert(work[key].end(), recs.begin(), recs.end());
        queue_ = std::move(work);
        if (closed_ && std::chrono::steady_clock::now() >= deadline_) {
            log::error("settle.abandoned",
                       {{"count", static_cast<std::int64_t>(pending_)},
                        {"why",
                         "Redis did not answer before the drain deadline; the entries "
                         "stay pending and are reclaimed"}});
            co_return;
        }
        asio::steady_timer t(signal_.get_executor(), backoff);
        co_await t.async_wait(use_tuple);
        backoff = std::min(backoff * 2, std::chrono::milliseconds{2000});
    }
}

asio::awaitable<bool> settler::flush(std::map<group_key, std::vector<settle_record>>& work) {
    std::vector<redis::command> cmds;
    const std::string now = std::to_string(clock_.now_ms());
    for (const auto& [key, recs] : work) {
        for (std::size_t i = 0; i < recs.size(); i += opt_.max_records_per_call) {
            redis::command c{"FCALL",
                             "herald_settle",
                             "1",
                             shard_prefix(key.first),
                             std::string(to_string(key.second)),
                             std::string(group_name),
                             now,
                             std::to_string(opt_.delivered_ttl_s),
                             std::to_string(opt_.dead_max),
                             opt_.consumer};
            auto end = std::min(recs.size(), i + opt_.max_records_per_call);
            for (std::size_t j = i; j < end; ++j) {
                const auto& r = recs[j];
                contract::append_item<contract::settle_fields>(
                    c, std::string(1, static_cast<char>(r.what)), r.entry_id, r.id, r.extra);
            }
            cmds.push_back(std::move(c));
        }
    }
    auto replies = co_await redis_.pipeline(std::move(cmds));
    if (!replies) {
        log::warn("settle.retry", {{"error", replies.error().to_string()}});
        co_return false;
    }
    for (const auto& r : *replies) {
        if (!r.is_error()) continue;
        auto e = redis::error_from_reply(r);
        log::warn("settle.retry", {{"error", e.to_string()}});
        if (is_function_missing(e)) co_await load_library(redis_);
        co_return false;
    }
    std::uint64_t fenced = 0;
    for (const auto& r : *replies)
        if (r.is_array() && r.size() == 2) fenced += static_cast<std::uint64_t>(r[1].integer);
    if (fenced > 0)
        log::warn("settle.fenced", {{"count", static_cast<std::int64_t>(fenced)},
                                    {"why", "another worker holds their leases now"}});
    for (const auto& [key, recs] : work) {
        pending_ -= recs.size();
        if (on_written_)
            for (const auto& r : recs)
                on_written_(r);
    }
    co_return true;
}

}  // namespace herald::queue
