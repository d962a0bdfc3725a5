#include "queue/consumers.hpp"

#include "core/log.hpp"
#include "queue/keys.hpp"

namespace herald::queue {
namespace {

// One herald_forget_consumers call per stream, pipelined: each checks and
// removes in one step, so no consumer is removed with entries pending.
boost::asio::awaitable<std::size_t> forget(redis::client& redis,
                                           const std::vector<std::string>& streams,
                                           const std::string& name, std::chrono::milliseconds idle,
                                           const std::string& except) {
    std::vector<redis::command> calls;
    for (const auto& s : streams)
        calls.push_back(redis::cmd("FCALL", "herald_forget_consumers", "1", s, group_name, name,
                                   std::to_string(idle.count()), except));
    auto r = co_await redis.pipeline(std::move(calls));
    if (!r) {
        log::warn("consumers.remove_failed", {{"error", r.error().to_string()}});
        co_return 0;
    }
    std::size_t count = 0;
    for (std::size_t i = 0; i < r->size(); ++i) {
        const auto& answer = (*r)[i];
        if (answer.is_error() ||
            (answer.is_array() && answer.size() == 3 && answer[0].str == "err")) {
            log::warn("consumers.remove_failed",
                      {{"stream", streams[i]},
                       {"redis", answer.is_error() ? answer.str : answer[2].str}});
            continue;
        }
        count += answer.size();
    }
    co_return count;
}

}  // namespace

boost::asio::awaitable<std::size_t> forget_consumer(redis::client& redis,
                                                    const std::vector<std::string>& streams,
                                                    const std::string& consumer) {
    auto n = co_await forget(redis, streams, consumer, std::chrono::milliseconds(0), "");
    co_return n;
}

boost::asio::awaitable<std::size_t> forget_idle_consumers(redis::client& redis,
                                                          const std::vector<std::string>& streams,
                                                          const std::string& self,
                                                          std::chrono::milliseconds idle) {
    auto n = co_await forget(redis, streams, "", idle, self);
    if (n > 0) log::info("consumers.removed_idle", {{"count", static_cast<std::int64_t>(n)}});
    co_return n;
}

}  // namespace herald::queue
