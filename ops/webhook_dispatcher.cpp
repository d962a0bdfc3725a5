#include "ops/webhook_dispatcher.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "ops/webhook_registry.hpp"
#include "ops/webhook_signature.hpp"
#include "queue/backoff.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <map>

namespace herald::ops {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

sms::http_client_options http_options(const webhooks_config& c) {
    const std::chrono::milliseconds total(c.timeout_ms);
    return {c.ca_file, std::min<std::chrono::milliseconds>(total, 5000ms), total, 4};
}

// "1764430000000-3" as two numbers, for ordering stream ids.
std::pair<std::uint64_t, std::uint64_t> id_parts(std::string_view id) {
    const auto dash = id.find('-');
    auto num = [](std::string_view s) {
        std::uint64_t v = 0;
        for (char c : s)
            if (c >= '0' && c <= '9') v = v * 10 + static_cast<std::uint64_t>(c - '0');
        return v;
    };
    if (dash == std::string_view::npos) return {num(id), 0};
    return {num(id.substr(0, dash)), num(id.substr(dash + 1))};
}

// A flat RESP2 name/value array (XINFO's answers) as a map.
std::map<std::string, const redis::reply*> pairs_of(const redis::reply& r) {
    std::map<std::string, const redis::reply*> out;
    for (std::size_t i = 0; i + 1 < r.size(); i += 2)
        out[r[i].str] = &r[i + 1];
    return out;
}

void log_exception(std::exception_ptr e, std::string_view where) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        log::error("webhooks.crashed", {{"where", where}, {"error", x.what()}});
    }
}

}  // namespace

webhook_dispatcher::webhook_dispatcher(asio::any_io_executor ex, redis::client& redis,
                                       const clock& clk, dispatcher_options opt)
    : ex_(ex),
      redis_(redis),
      reader_(redis.sibling()),
      clock_(clk),
      opt_(std::move(opt)),
      resolver_(ex, opt_.dns),
      http_(ex, http_options(opt_.hooks)),
      wake_(ex),
      stop_(ex) {
    for (std::uint32_t s = 0; s < opt_.shards; ++s)
        streams_.push_back(queue::events_key(s));
}

webhook_dispatcher::~webhook_dispatcher() = default;

void webhook_dispatcher::stop() {
    stopping_ = true;
    wake_.notify_all();
    stop_.notify_all();
}

std::int64_t webhook_dispatcher::lease_ms() const {
    // The whole try: DNS (a few seconds at worst), the POST, the settle.
    return 2 * static_cast<std::int64_t>(opt_.hooks.timeout_ms) + 30000;
}

// Full jitter: anywhere between now and the ceiling, so endpoints that
// failed together do not come back together.
std::int64_t webhook_dispatcher::next_due(std::int64_t attempts, std::int64_t now) {
    const millis ceiling =
        queue::backoff_ceiling(static_cast<int>(std::min<std::int64_t>(attempts, 62)),
                               opt_.hooks.backoff_base_ms, opt_.hooks.backoff_cap_ms);
    std::uniform_int_distribution<millis> d(0, ceiling);
    return now + d(rng_);
}

// ---- start and stop ---------------------------------------------------------------

asio::awaitable<void> webhook_dispatcher::prepare() {
    // The group starts at the end of each stream: a first start does not
    // send the history of every tenant.
    auto backoff = 100ms;
    while (!stopping_) {
        std::vector<redis::command> create;
        for (const auto& s : streams_)
            create.push_back(redis::cmd("XGROUP", "CREATE", s, webhook_group, "$", "MKSTREAM"));
        auto r = co_await redis_.pipeline(std::move(create));
        bool ok = r.has_value();
        for (std::size_t i = 0; ok && i < r->size(); ++i) {
            const auto& x = (*r)[i];
            if (x.is_error() && !x.str.starts_with("BUSYGROUP")) {
                log::warn("webhooks.group_failed", {{"stream", streams_[i]}, {"redis", x.str}});
                ok = false;
            }
        }
        if (ok) co_return;
        if (!r) log::warn("webhooks.waiting_for_redis", {{"error", r.error().to_string()}});
        co_await stop_.wait_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5000ms);
    }
}

asio::awaitable<void> webhook_dispatcher::run() {
    using namespace asio::experimental::awaitable_operators;
    reader_->start();
    co_await prepare();
    // Events trimmed while no dispatcher ran are found before reading moves on.
    for (std::uint32_t s = 0; s < opt_.shards && !stopping_; ++s)
        co_await check_lag(s);
    if (!stopping_) co_await (read_loop() && reclaim_loop() && send_loop() && lag_loop());
    // Sends in flight get their timeout, then are cut (their batches are
    // retried: they were not delivered, or maybe were, under the same id).
    const auto deadline = std::chrono::steady_clock::now() + opt_.drain;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline)
        co_await wake_.wait_for(50ms);
    http_.close();
    const auto settle_deadline = std::chrono::steady_clock::now() + 5s;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < settle_deadline)
        co_await wake_.wait_for(50ms);
    co_await forget_self();
    resolver_.stop();
    reader_->stop();
}

asio::awaitable<void> webhook_dispatcher::forget_self() {
    std::vector<redis::command> calls;
    for (const auto& s : streams_)
        calls.push_back(redis::cmd("FCALL", "herald_forget_consumers", "1", s, webhook_group,
                                   opt_.consumer, "0", ""));
    auto r = co_await redis_.pipeline(std::move(calls));
    if (!r) log::warn("webhooks.forget_failed", {{"error", r.error().to_string()}});
}

// ---- events in, batches stored ------------------------------------------------------

asio::awaitable<void> webhook_dispatcher::read_loop() {
    while (!stopping_) {
        redis::command cmd{"XREADGROUP",
                           "GROUP",
                           std::string(webhook_group),
                           opt_.consumer,
                           "COUNT",
                           std::to_string(opt_.read_count),
                           "BLOCK",
                           std::to_string(opt_.block.count()),
                           "STREAMS"};
        cmd.insert(cmd.end(), streams_.begin(), streams_.end());
        cmd.insert(cmd.end(), streams_.size(), ">");
        auto r = co_await reader_->exec(std::move(cmd), opt_.block);
        if (!r) {
            // NOGROUP after a FLUSHALL or a stream deleted: make the groups again.
            if (r.error().detail.find("NOGROUP") != std::string::npos) co_await prepare();
            log::warn("webhooks.read_failed", {{"error", r.error().to_string()}});
            co_await stop_.wait_for(500ms);
            continue;
        }
        if (r->is_nil()) continue;
        for (const auto& stream : r->elements) {
            if (stream.size() != 2) continue;
            const auto at = std::find(streams_.begin(), streams_.end(), stream[0].str);
            if (at == streams_.end()) continue;
            co_await take(static_cast<std::uint32_t>(at - streams_.begin()), stream[1]);
        }
    }
}

// Batches per tenant × matching endpoint, stored with the entries' XACK.
asio::awaitable<void> webhook_dispatcher::take(std::uint32_t shard, const redis::reply& entries,
                                               std::vector<std::string> extra_acks) {
    std::vector<std::string> ids = std::move(extra_acks);
    std::vector<webhook_event> events;
    for (const auto& e : entries.elements) {
        if (e.size() != 2) continue;
        ids.push_back(e[0].str);
        if (auto ev = parse_event(e[0].str, e[1]); ev && !ev->tenant.empty())
            events.push_back(std::move(*ev));
    }
    counters_.events_read += entries.size();
    if (ids.empty()) co_return;
    std::map<std::string, std::vector<const webhook_event*>> by_tenant;
    for (const auto& ev : events)
        by_tenant[ev.tenant].push_back(&ev);
    std::vector<batch_to_store> batches;
    for (const auto& [tenant, list] : by_tenant) {
        auto endpoints = co_await endpoints_of(redis_, shard, tenant);
        if (!endpoints) {
            // Nothing acknowledged: the entries stay pending and are claimed again.
            log::warn("webhooks.endpoints_failed", {{"error", endpoints.error().to_string()}});
            co_return;
        }
        for (const auto& ep : *endpoints) {
            std::vector<const webhook_event*> chosen;
            for (const auto* ev : list)
                if (ep.filter.matches(ev->type)) chosen.push_back(ev);
            for (std::size_t at = 0; at < chosen.size(); at += opt_.hooks.batch_max) {
                const auto end = std::min(chosen.size(), at + opt_.hooks.batch_max);
                std::vector<const webhook_event*> part(chosen.begin() + static_cast<long>(at),
                                                       chosen.begin() + static_cast<long>(end));
                const auto id = batch_id(ep.id, part.front()->stream_id);
                batches.push_back({tenant, ep.id, id, batch_body(id, tenant, part)});
            }
        }
    }
    auto stored = co_await store_batches(redis_, shard, clock_.now_ms(), opt_.hooks.max_pending,
                                         opt_.hooks.dead_max, ids, batches);
    if (!stored) {
        log::warn("webhooks.store_failed",
                  {{"shard", shard}, {"error", stored.error().to_string()}});
        co_return;
    }
    counters_.batches_stored += static_cast<std::uint64_t>(stored->stored);
    counters_.overflowed += static_cast<std::uint64_t>(stored->overflowed);
    for (std::size_t i = 0; i < stored->overflowed_by.size() && i < batches.size(); ++i) {
        if (stored->overflowed_by[i] == 0) continue;
        metrics::webhook(batches[i].tenant, "dead",
                         static_cast<std::uint64_t>(stored->overflowed_by[i]));
        log::warn("webhooks.overflow", {{"tenant", batches[i].tenant},
                                        {"endpoint", batches[i].endpoint},
                                        {"dead", stored->overflowed_by[i]}});
    }
    if (stored->stored > 0) wake_.notify_all();
}

// Entries another dispatcher read and never stored (it died), and our own
// left by a failed store: XAUTOCLAIM, bounded rounds per pass.
asio::awaitable<void> webhook_dispatcher::reclaim(std::uint32_t shard) {
    std::string cursor = "0-0";
    for (int round = 0; round < 16 && !stopping_; ++round) {
        auto r = co_await redis_.exec(
            redis::cmd("XAUTOCLAIM", streams_[shard], webhook_group, opt_.consumer,
                       std::to_string(opt_.reclaim_idle.count()), cursor, "COUNT", "100"));
        if (!r || !r->is_array() || r->size() < 2) co_return;
        std::vector<std::string> deleted;  // trimmed while pending: nothing to send
        if (r->size() > 2)
            for (const auto& d : (*r)[2].elements)
                deleted.push_back(d.str);
        counters_.reclaimed += (*r)[1].size();
        if ((*r)[1].size() > 0 || !deleted.empty())
            co_await take(shard, (*r)[1], std::move(deleted));
        cursor = (*r)[0].str;
        if (cursor == "0-0") break;
    }
}

asio::awaitable<void> webhook_dispatcher::reclaim_loop() {
    while (!stopping_) {
        co_await stop_.wait_for(opt_.reclaim_idle / 2);
        if (stopping_) break;
        for (std::uint32_t s = 0; s < opt_.shards && !stopping_; ++s)
            co_await reclaim(s);
        std::vector<redis::command> forget;
        for (const auto& s : streams_)
            forget.push_back(redis::cmd("FCALL", "herald_forget_consumers", "1", s, webhook_group,
                                        "", std::to_string(opt_.consumer_idle.count()),
                                        opt_.consumer));
        co_await redis_.pipeline(std::move(forget));
    }
}

// ---- lag ------------------------------------------------------------------------------

asio::awaitable<void> webhook_dispatcher::check_lag(std::uint32_t shard) {
    auto groups = co_await redis_.exec(redis::cmd("XINFO", "GROUPS", streams_[shard]));
    if (!groups || !groups->is_array()) co_return;
    const redis::reply* group = nullptr;
    for (const auto& g : groups->elements)
        if (g.size() > 1 && g[1].str == webhook_group) group = &g;
    if (!group) co_return;
    auto info = co_await redis_.exec(redis::cmd("XINFO", "STREAM", streams_[shard]));
    if (!info || !info->is_array()) co_return;
    auto f = pairs_of(*group);
    auto s = pairs_of(*info);
    auto number = [](auto& m, const char* name) -> std::optional<std::int64_t> {
        return m.contains(name) ? m[name]->as_int() : std::nullopt;
    };
    // What the group has not read yet: entries added less entries read, or
    // Redis' lag when it does not count reads. A group made on an empty
    // stream has read nothing, though Redis answers NULL for it (and a lag
    // of the stream's length, however much was trimmed).
    const std::string last = f.contains("last-delivered-id") ? f["last-delivered-id"]->str : "";
    const auto added = number(s, "entries-added");
    auto read = number(f, "entries-read");
    if (!read && last == "0-0") read = 0;
    const std::optional<std::int64_t> unread =
        added && read ? std::optional<std::int64_t>(*added - *read) : number(f, "lag");
    const auto length = number(s, "length").value_or(0);
    const auto* first = s.contains("first-entry") ? s["first-entry"] : nullptr;
    const bool behind = first && first->is_array() && first->size() > 0 && !last.empty() &&
                        id_parts((*first)[0].str) > id_parts(last);
    // Behind the stream's first entry, every entry left is unread and
    // whatever else was unread has been trimmed away (MAXLEN ~).
    if (behind && (!unread || *unread > length)) {
        const std::int64_t lost = unread ? *unread - length : -1;  // -1: unknown
        ++counters_.lost_reports;
        log::error("webhooks.events_lost",
                   {{"shard", shard},
                    {"lost", lost},
                    {"why",
                     "the events stream was trimmed past entries the webhook dispatchers "
                     "had not read: run more of them, or find what slows them"}});
        co_return;
    }
    if (unread && *unread > static_cast<std::int64_t>(queue::contract::events_max / 2))
        log::warn("webhooks.lagging", {{"shard", shard}, {"unread", *unread}});
}

asio::awaitable<void> webhook_dispatcher::lag_loop() {
    while (!stopping_) {
        co_await stop_.wait_for(opt_.lag_check);
        for (std::uint32_t s = 0; s < opt_.shards && !stopping_; ++s)
            co_await check_lag(s);
    }
}

// ---- batches out ----------------------------------------------------------------------

asio::awaitable<void> webhook_dispatcher::send_loop() {
    std::uint32_t first_shard = 0;
    while (!stopping_) {
        for (std::uint32_t i = 0; i < opt_.shards && !stopping_; ++i) {
            if (in_flight_ >= opt_.max_in_flight) break;
            // Each pass starts one shard further, so none waits behind the others.
            const auto shard = (first_shard + i) % opt_.shards;
            auto claimed = co_await claim_batches(redis_, shard, clock_.now_ms(), lease_ms(),
                                                  opt_.max_in_flight - in_flight_, opt_.consumer);
            if (!claimed) {
                log::warn("webhooks.claim_failed", {{"error", claimed.error().to_string()}});
                break;
            }
            for (auto& b : *claimed) {
                ++in_flight_;
                asio::co_spawn(ex_, send(std::move(b)),
                               [](std::exception_ptr e) { log_exception(e, "send"); });
            }
        }
        first_shard = (first_shard + 1) % opt_.shards;
        if (!stopping_) co_await wake_.wait_for(opt_.poll);
    }
}

asio::awaitable<void> webhook_dispatcher::send(claimed_batch b) {
    std::string failure;
    long status = 0;
    auto target = co_await check_webhook_target(resolver_, b.endpoint.url, policy_of(opt_.hooks));
    if (!target) {
        failure = target.error().to_string();
    } else {
        sms::http_request req;
        req.url = b.endpoint.url;
        req.body = b.body;
        if (!target->pin.empty()) req.resolve = {target->pin};
        req.headers = webhook_headers(b.id, b.endpoint.secret, clock_.now_ms() / 1000, b.body);
        auto resp = co_await http_.perform(std::move(req));
        status = resp.status;
        if (resp.failure != sms::http_failure::none)
            failure = resp.error.empty() ? "no answer" : resp.error;
        else if (status < 200 || status > 299)
            failure = "HTTP " + std::to_string(status);
    }
    const auto now = clock_.now_ms();
    const bool spent =
        now - b.first_try_ms >= static_cast<std::int64_t>(opt_.hooks.retry_budget_s) * 1000;
    const batch_fate fate = failure.empty() ? batch_fate::delivered
                            : spent         ? batch_fate::dead
                                            : batch_fate::retry;
    const auto due = fate == batch_fate::retry ? next_due(b.attempts + 1, now) : 0;
    auto settled = co_await settle_batch(redis_, b, opt_.consumer, now, fate, due, failure,
                                         opt_.hooks.dead_max);
    const char* result = fate == batch_fate::delivered ? "delivered"
                         : fate == batch_fate::retry   ? "retried"
                                                       : "dead";
    if (!settled) {
        // The lease lapses and the batch is tried again, under the same id.
        log::warn("webhooks.settle_failed",
                  {{"batch", b.id}, {"result", result}, {"error", settled.error().to_string()}});
    } else if (*settled) {
        metrics::webhook(b.tenant, result);
        if (fate == batch_fate::delivered) ++counters_.delivered;
        if (fate == batch_fate::retry) ++counters_.retried;
        if (fate == batch_fate::dead) ++counters_.dead;
        auto level = fate == batch_fate::delivered ? log::level::debug
                     : fate == batch_fate::retry   ? log::level::info
                                                   : log::level::warn;
        log::write(level, "webhooks.batch",
                   {{"tenant", b.tenant},
                    {"endpoint", b.endpoint.id},
                    {"batch", b.id},
                    {"result", result},
                    {"attempt", b.attempts + 1},
                    {"status", static_cast<std::int64_t>(status)},
                    {"error", failure},
                    {"next_ms", due}});
    }
    --in_flight_;
    wake_.notify_all();
}

}  // namespace herald::ops
