#include "queue/lease_keeper.hpp"

#include "core/log.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"

#include <map>

namespace herald::queue {

namespace asio = boost::asio;

bool held_lease::held() const noexcept {
    return !lost_.load() && state_.load() != released_state &&
           std::chrono::steady_clock::now().time_since_epoch().count() < until_.load();
}

bool held_lease::commit() noexcept {
    if (!held()) return false;
    int s = holding_state;
    // Once committed, a later transaction of the same send (another
    // recipient domain) commits while the lease is still held.
    return state_.compare_exchange_strong(s, committed_state) || s == committed_state;
}

bool held_lease::release() noexcept {
    int s = holding_state;
    return state_.compare_exchange_strong(s, released_state) || s == released_state;
}

void held_lease::extend(time_point until) noexcept {
    auto want = until.time_since_epoch().count();
    auto have = until_.load();
    while (have < want && !until_.compare_exchange_weak(have, want)) {
    }
}

void held_lease::lose() noexcept {
    lost_.store(true);
}

lease_keeper::lease_keeper(asio::any_io_executor ex, redis::client& redis, lease_options opt)
    : redis_(redis), opt_(std::move(opt)), wake_(std::move(ex)) {}

std::shared_ptr<held_lease> lease_keeper::hold(const std::string& id, std::uint32_t shard,
                                               channel ch, std::string entry_id,
                                               time_point claimed_at) {
    auto lease = std::make_shared<held_lease>(claimed_at + opt_.lease);
    held_.insert_or_assign(id, entry{shard, ch, std::move(entry_id), lease});
    return lease;
}

bool lease_keeper::holds(const std::string& id, const std::string& entry_id) const {
    auto it = held_.find(id);
    return it != held_.end() && it->second.entry_id == entry_id;
}

void lease_keeper::drop(const std::string& id, const std::string& entry_id) {
    if (holds(id, entry_id)) held_.erase(id);
    if (closed_ && held_.empty()) wake_.notify_all();
}

void lease_keeper::close(time_point deadline) {
    closed_ = true;
    deadline_ = deadline;
    wake_.notify_all();
}

asio::awaitable<void> lease_keeper::run() {
    while (!closed_ || (!held_.empty() && std::chrono::steady_clock::now() < deadline_)) {
        co_await wake_.wait_until(std::min(std::chrono::steady_clock::now() + opt_.renew_interval,
                                           closed_ ? deadline_ : time_point::max()));
        if (!held_.empty()) co_await renew_all();
    }
}

asio::awaitable<void> lease_keeper::renew_all() {
    // One command per shard (and per max_per_call messages); the leases
    // are kept beside it, since held_ may change while the round is out.
    std::map<std::uint32_t, std::vector<std::pair<std::string, const entry*>>> by_shard;
    for (const auto& [id, e] : held_)
        by_shard[e.shard].emplace_back(id, &e);
    std::vector<redis::command> cmds;
    std::vector<std::vector<std::pair<std::string, std::shared_ptr<held_lease>>>> owners;
    for (const auto& [shard, list] : by_shard) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (i % opt_.max_per_call == 0) {
                cmds.push_back(redis::cmd("FCALL", "herald_renew", "1", shard_prefix(shard),
                                          opt_.consumer, std::to_string(opt_.lease.count()),
                                          std::to_string(opt_.keep.count()),
                                          std::to_string(opt_.stall.count()), group_name));
                owners.emplace_back();
            }
            const auto& [id, e] = list[i];
            contract::append_item<contract::renew_fields>(cmds.back(), to_string(e->ch),
                                                          e->entry_id, id);
            owners.back().emplace_back(id, e->lease);
        }
    }
    const auto sent_at = std::chrono::steady_clock::now();
    ++counters_.rounds;
    counters_.calls += cmds.size();
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r) {
        ++counters_.failed_rounds;
        log::warn("lease.renew_failed", {{"error", r.error().to_string()}});
        co_return;
    }
    for (std::size_t c = 0; c < owners.size(); ++c) {
        const auto& answer = (*r)[c];
        if (!answer.is_array() || answer.size() != owners[c].size()) {
            ++counters_.failed_rounds;
            log::warn("lease.renew_failed",
                      {{"error", answer.is_error() ? answer.str : "bad answer"}});
            continue;
        }
        for (std::size_t i = 0; i < owners[c].size(); ++i) {
            const auto& [id, lease] = owners[c][i];
            const auto& verdict = answer[i].str;
            if (verdict == "ok") {
                lease->extend(sent_at + opt_.lease);
                ++counters_.renewed;
            } else if (verdict == "gone") {
                // Settled since the round was built (its lease deleted):
                // the usual race with the settler, nothing to say.
                lease->lose();
                ++counters_.gone;
            } else {
                lease->lose();
                ++counters_.lost;
                log::warn("lease.lost", {{"id", id}, {"why", "another worker holds it now"}});
            }
        }
    }
}

}  // namespace herald::queue
