#include "queue/worker.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "queue/consumers.hpp"
#include "queue/contract.hpp"
#include "queue/keys.hpp"
#include "queue/outcome_policy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace herald::queue {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

message_limits limits_from(const queue_config& q) {
    message_limits l;
    l.max_message_bytes = q.max_message_bytes;
    return l;
}

lease_options lease_options_from(const worker_options& w) {
    lease_options l;
    l.consumer = w.consumer;
    l.lease = milliseconds(w.q.lease_ms);
    l.renew_interval = milliseconds(w.q.renew_interval_ms);
    l.keep = milliseconds(w.q.max_age_s * 1000 + w.q.lease_ms);
    l.stall = milliseconds(w.q.renew_interval_ms + w.redis_timeout_ms);
    return l;
}

worker::worker(asio::any_io_executor ex, redis::client& redis, transport& t, const clock& clk,
               worker_options opt)
    : ex_(ex),
      redis_(redis),
      reader_(redis.sibling()),
      transport_(t),
      clock_(clk),
      opt_(std::move(opt)),
      leases_(ex, redis, lease_options_from(opt_)),
      settler_(ex, redis, clk, {opt_.q.delivered_ttl_s, opt_.q.dead_max, 256, opt_.consumer},
               [this](const settle_record& r) { leases_.drop(r.id, r.entry_id); }),
      wake_(ex),
      stopped_(ex) {
    for (std::uint32_t s = 0; s < opt_.q.shards; ++s)
        for (auto ch : {channel::email, channel::sms}) {
            streams_.push_back(ingress_key(s, ch));
            stream_refs_.emplace(streams_.back(), stream_ref{s, ch});
        }
}

void worker::stop() {
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
    stopped_.notify_all();
    log::info("worker.draining", {{"in_flight", static_cast<std::int64_t>(in_flight_.size())}});
}

asio::awaitable<void> worker::run() {
    using namespace asio::experimental::awaitable_operators;
    log::info("worker.started", {{"consumer", opt_.consumer},
                                 {"streams", static_cast<std::int64_t>(streams_.size())},
                                 {"transport", transport_.name()}});
    reader_->start();
    co_await ((read_loop() && reclaim_loop() && schedule_loop()) && settler_.run() &&
              leases_.run());
    reader_->stop();
    // A clean exit leaves no consumer behind, unless entries it released
    // are still pending under its name: those wait for another worker's
    // reclaimer, and its idle-consumer sweep removes the name later.
    if (settler_.pending() == 0) co_await forget_consumer(redis_, streams_, opt_.consumer);
    log::info("worker.stopped", {{"consumer", opt_.consumer},
                                 {"delivered", static_cast<std::int64_t>(counters_.delivered)},
                                 {"released", static_cast<std::int64_t>(counters_.released)}});
}

std::size_t worker::room() const {
    return opt_.q.inflight - std::min<std::size_t>(in_flight_.size(), opt_.q.inflight);
}

asio::awaitable<void> worker::wait_for_capacity(std::size_t need) {
    while (!stopping_ && room() < need)
        co_await wake_.wait_for(1s);
}

// ---- reading ------------------------------------------------------------------

asio::awaitable<void> worker::read_loop() {
    while (!stopping_) {
        // COUNT applies to each stream: read only with room for one per
        // stream and ask each for its share, so in-flight sends stay within
        // queue.inflight (unless that is below the number of streams).
        co_await wait_for_capacity(std::min<std::size_t>(streams_.size(), opt_.q.inflight));
        if (stopping_) break;
        const std::size_t count =
            std::max<std::size_t>(1, std::min<std::size_t>(opt_.q.batch, room() / streams_.size()));
        redis::command cmd{
            "XREADGROUP",          "GROUP", std::string(group_name),         opt_.consumer, "COUNT",
            std::to_string(count), "BLOCK", std::to_string(opt_.q.block_ms), "STREAMS"};
        cmd.insert(cmd.end(), streams_.begin(), streams_.end());
        cmd.insert(cmd.end(), streams_.size(), ">");
        auto r = co_await reader_->exec(std::move(cmd), milliseconds(opt_.q.block_ms));
        if (!r) {
            log::warn("worker.read_failed", {{"error", r.error().to_string()}});
            co_await wake_.wait_for(200ms);
            continue;
        }
        if (r->is_nil()) continue;  // BLOCK expired with nothing new
        for (const auto& stream : r->elements) {
            if (stream.size() == 2) co_await take(stream[0].str, stream[1]);
        }
    }
    co_await drain();
}

// Turns raw entries into messages; what cannot be decoded or has expired
// goes to the dead-letter stream at once.
asio::awaitable<void> worker::take(const std::string& stream, const redis::reply& entries) {
    auto ref = stream_refs_.find(stream);
    if (ref == stream_refs_.end()) co_return;
    const auto [shard, ch] = ref->second;
    std::vector<queued_message> batch;
    const millis now = clock_.now_ms();
    for (const auto& e : entries.elements) {
        if (e.size() != 2) continue;
        const std::string& entry_id = e[0].str;
        auto m = decode_entry(shard, ch, entry_id, e[1], opt_.limits);
        if (!m) {
            dead(unreadable_entry(shard, ch, entry_id, e[1]), "malformed", m.error().to_string());
            continue;
        }
        if (now >= m->expires) {
            dead(*m, "expired", "max age reached before delivery");
            continue;
        }
        if (leases_.holds(m->id.str(), entry_id)) continue;  // ours, its outcome not yet written
        batch.push_back(std::move(*m));
    }
    if (!batch.empty()) co_await lease_and_send(std::move(batch));
}

namespace {

// Transports answer every failure as an outcome; an exception out of a
// send is a bug. Stop loudly rather than guess an outcome: the lease
// lapses, and another worker takes the message.
void crash_on_exception(std::exception_ptr e) {
    if (!e) return;
    std::string what = "unknown exception";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        what = x.what();
    } catch (...) {
    }
    log::error("worker.bug", {{"error", what}, {"why", "a transport threw"}});
    std::abort();
}

std::string_view sms_sender(const queued_message& m) {
    if (const auto* s = std::get_if<sms_message>(&m.msg.content)) return s->from;
    return {};
}

}  // namespace

void worker::hold_back(const queued_message& m, millis wait, std::string_view why) {
    ++counters_.rate_limited;
    settler_.add(m.shard, m.ch,
                 {settle_record::kind::limited, m.entry_id, m.id.str(),
                  std::to_string(clock_.now_ms() + wait) + "|" + std::string(why)});
}

asio::awaitable<void> worker::lease_and_send(std::vector<queued_message> batch) {
    const auto& lease = leases_.options();
    redis::command cmd{"FCALL",
                       "herald_claim",
                       "1",
                       shard_prefix(batch.front().shard),
                       opt_.consumer,
                       std::to_string(lease.lease.count()),
                       std::to_string(clock_.now_ms()),
                       std::to_string(lease.keep.count()),
                       std::to_string(lease.stall.count())};
    for (const auto& m : batch)
        contract::append_item<contract::claim_fields>(cmd, m.id.str(), m.tenant, to_string(m.ch),
                                                      std::to_string(m.units), sms_sender(m));
    const auto claimed_at = std::chrono::steady_clock::now();
    auto r = co_await redis_.exec(std::move(cmd));
    if (!r || !r->is_array() || r->size() != batch.size()) {
        // Nothing leased: the entries stay pending and come back by reclaim.
        log::warn("worker.claim_failed", {{"error", r ? "bad answer" : r.error().to_string()}});
        co_return;
    }
    std::vector<queued_message*> leased;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& m = batch[i];
        const auto& verdict = (*r)[i].str;
        if (verdict == "done") {
            ++counters_.skipped_done;
            settler_.add(m.shard, m.ch,
                         {settle_record::kind::ack, m.entry_id, m.id.str(), quota_tag(m)});
        } else if (verdict == "busy") {
            ++counters_.busy;
        } else if (verdict.starts_with("wait:")) {
            // "wait:<ms>[:<reason>]": the gate that said it may name itself.
            const auto why = verdict.find(':', 5);
            hold_back(m, std::stoll(verdict.substr(5)),
                      why == std::string::npos ? "rate_limited" : verdict.substr(why + 1));
        } else {
            leased.push_back(&m);
        }
    }
    std::vector<millis> waits(leased.size(), 0);
    if (opt_.throttle && !leased.empty()) {
        const std::vector<const queued_message*> asked(leased.begin(), leased.end());
        waits = co_await opt_.throttle->waits(asked);
    }
    for (std::size_t i = 0; i < leased.size(); ++i) {
        auto* m = leased[i];
        if (waits[i] > 0) {
            hold_back(*m, waits[i], "domain_rate_limited");
            continue;
        }
        auto held = leases_.hold(m->id.str(), m->shard, m->ch, m->entry_id, claimed_at);
        in_flight_.emplace(m->id.str(), in_flight_entry{m->shard, m->ch, m->entry_id, held});
        asio::co_spawn(ex_, deliver(std::move(*m), std::move(held)), crash_on_exception);
    }
}

// ---- sending ------------------------------------------------------------------

asio::awaitable<void> worker::deliver(queued_message m, std::shared_ptr<held_lease> lease) {
    const std::string id = m.id.str();
    outcome o = outcome::lease_lost();
    if (lease->held())
        o = co_await transport_.send(delivery{m.id, m.tenant, m.msg, m.attempt, lease.get()});
    auto it = in_flight_.find(id);
    const bool released = it == in_flight_.end() || it->second.released;
    if (it != in_flight_.end()) in_flight_.erase(it);
    if (!released) settler_.add(m.shard, m.ch, decide(m, o));
    wake_.notify_all();
}

settle_record worker::decide(const queued_message& m, const outcome& o) {
    if (o.is_lease_lost()) {
        // Not sent; another worker may own the message now. Release our
        // lease if it is still ours (the settle is fenced), use no attempt.
        ++counters_.lease_lost;
        log::warn("delivery.lease_lost", {{"id", m.id.str()}, {"tenant", m.tenant}});
        return {settle_record::kind::release, m.entry_id, m.id.str()};
    }
    const retry_policy policy{static_cast<int>(opt_.q.max_attempts), opt_.q.backoff_base_ms,
                              opt_.q.backoff_cap_ms};
    const millis now = clock_.now_ms();
    auto record = queue::decide(m, o, policy, now, rng_);
    switch (record.what) {
        case settle_record::kind::delivered:
            ++counters_.delivered;
            if (o.kind == outcome_kind::unknown) {
                report_final(m, o, "unknown", now);
            } else {
                report_final(m, o, "delivered", now);
                metrics::observe(metrics::latency::enqueue_to_delivered,
                                 static_cast<double>(now - m.id.ms) / 1000.0);
            }
            break;
        case settle_record::kind::deferred:
            ++counters_.deferred;
            metrics::count(m.tenant, m.ch, "deferred");
            break;
        case settle_record::kind::dead:
            ++counters_.dead;
            report_final(m, o, o.kind == outcome_kind::bounced ? "bounced" : "dead", now);
            break;
        case settle_record::kind::ack:
        case settle_record::kind::limited:
        case settle_record::kind::release:
            break;
    }
    return record;
}

namespace {

// The recipient domain of the log line: the first recipient's, as Postfix
// logs one line per recipient; an SMS has none (its number is personal).
std::string_view recipient_domain(const message& msg) {
    const auto* e = std::get_if<email_message>(&msg.content);
    if (!e || e->to.empty()) return {};
    const std::string_view to = e->to.front();
    const auto at = to.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : to.substr(at + 1);
}

// Postfix's "delay=0.35": seconds, two decimals.
std::string seconds_text(millis ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(std::max<millis>(ms, 0)) / 1000.0);
    return buf;
}

}  // namespace

// The line ops grep for, one per final outcome, as Postfix's status=sent:
// who, where, which attempt, how long since admission, who answered and
// what it said. Counted for /metrics beside it.
void worker::report_final(const queued_message& m, const outcome& o, std::string_view status,
                          millis now) {
    metrics::count(m.tenant, m.ch, status);
    if (!log::enabled(log::level::info)) return;
    log::info("message.final", {{"id", m.id.str()},
                                {"tenant", m.tenant},
                                {"channel", to_string(m.ch)},
                                {"to_domain", recipient_domain(m.msg)},
                                {"attempt", static_cast<std::int64_t>(m.attempt + 1)},
                                {"delay", seconds_text(now - m.id.ms)},
                                {"relay", o.relay},
                                {"status", status == "delivered" ? "sent" : status},
                                {"code", o.code},
                                {"reply", excerpt(o.detail)}});
}

void worker::dead(const queued_message& m, std::string reason, std::string detail) {
    ++counters_.dead;
    metrics::count(m.tenant, m.ch, "dead");
    log::warn("message.dead", {{"id", m.id.str()},
                               {"tenant", m.tenant},
                               {"reason", reason},
                               {"detail", excerpt(detail)}});
    settler_.add(m.shard, m.ch,
                 {settle_record::kind::dead, m.entry_id, m.id.str(),
                  dead_tag(reason, m.attempt, excerpt(detail))});
}

// ---- reclaim and schedule -------------------------------------------------------

asio::awaitable<void> worker::reclaim_loop() {
    const std::string min_idle = std::to_string(opt_.q.reclaim_idle_ms);
    const std::string stall = std::to_string(leases_.options().stall.count());
    auto swept_at = std::chrono::steady_clock::now();
    while (!stopping_) {
        for (const auto& stream : streams_) {
            const auto [shard, ch] = stream_refs_.at(stream);
            std::string cursor = "0-0";
            do {
                co_await wait_for_capacity(1);
                if (stopping_) co_return;
                const auto count = std::min<std::size_t>(opt_.q.batch, room());
                auto r = co_await redis_.exec(redis::cmd(
                    "FCALL", "herald_reclaim", "1", shard_prefix(shard), to_string(ch), group_name,
                    opt_.consumer, min_idle, std::to_string(count), cursor, stall));
                if (!r || !r->is_array() || r->size() != 3) break;
                cursor = (*r)[0].str;
                const auto& claimed = (*r)[1];
                counters_.reclaimed += claimed.size();
                if (claimed.size() > 0)
                    log::info(
                        "worker.reclaimed",
                        {{"stream", stream}, {"count", static_cast<std::int64_t>(claimed.size())}});
                co_await take(stream, claimed);
            } while (cursor != "0-0");
        }
        // Workers gone leave their consumers behind; looking once a minute
        // (four times per idle period, when shorter) keeps the listing cheap.
        const auto idle = milliseconds(opt_.q.consumer_idle_ms);
        const auto now = std::chrono::steady_clock::now();
        if (now - swept_at >= std::min<milliseconds>(idle / 4, 1min)) {
            swept_at = now;
            co_await forget_idle_consumers(redis_, streams_, opt_.consumer, idle);
        }
        co_await stopped_.wait_for(milliseconds(opt_.q.reclaim_interval_ms));
    }
}

// Promotes due retries, then sleeps until the earliest next due time (at
// most schedule_interval_ms), so a message held back until an exact
// instant comes back at that instant.
asio::awaitable<void> worker::schedule_loop() {
    const std::string limit = std::to_string(opt_.q.batch);
    const std::string stall = std::to_string(leases_.options().stall.count());
    const std::string done_ttl = std::to_string(opt_.q.delivered_ttl_s);
    while (!stopping_) {
        std::vector<redis::command> cmds;
        const millis now = clock_.now_ms();
        for (std::uint32_t s = 0; s < opt_.q.shards; ++s)
            cmds.push_back(redis::cmd("FCALL", "herald_promote", "1", shard_prefix(s),
                                      std::to_string(now), limit, std::to_string(opt_.q.dead_max),
                                      stall, done_ttl));
        auto r = co_await redis_.pipeline(std::move(cmds));
        millis next = now + opt_.q.schedule_interval_ms;
        bool more = false;
        if (r) {
            for (const auto& rep : *r) {
                if (!rep.is_array() || rep.size() != 3) continue;
                more =
                    more || rep[0].as_int().value_or(0) >= static_cast<std::int64_t>(opt_.q.batch);
                counters_.dead += static_cast<std::uint64_t>(rep[1].as_int().value_or(0));
                if (auto due = rep[2].as_int().value_or(-1); due >= 0) next = std::min(next, due);
            }
        }
        if (!more) co_await stopped_.wait_for(milliseconds(std::max<millis>(1, next - now)));
    }
}

// ---- drain --------------------------------------------------------------------

asio::awaitable<void> worker::drain() {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(opt_.q.drain_timeout_ms);
    while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline)
        co_await wake_.wait_until(deadline);
    // Sends short of their point of no return are given up; a send past it
    // cannot be called back, so its outcome is awaited (its transport's own
    // timeouts bound the wait) while its lease is still renewed.
    std::size_t committed = 0;
    for (auto& [id, e] : in_flight_) {
        if (!e.lease->release()) {
            ++committed;
            continue;
        }
        e.released = true;
        ++counters_.released;
        settler_.add(e.shard, e.ch, {settle_record::kind::release, e.entry_id, id});
    }
    if (counters_.released > 0)
        log::warn("worker.released", {{"count", static_cast<std::int64_t>(counters_.released)}});
    if (committed > 0)
        log::warn("worker.awaiting_committed", {{"count", static_cast<std::int64_t>(committed)}});
    auto committed_running = [this] {
        return std::any_of(in_flight_.begin(), in_flight_.end(),
                           [](const auto& kv) { return !kv.second.released; });
    };
    while (committed_running())
        co_await wake_.wait_for(1s);
    // Outcomes get until the deadline, or one try when it has passed.
    const auto settle_by = std::max(deadline, std::chrono::steady_clock::now());
    settler_.close(settle_by);
    leases_.close(settle_by);
}

}  // namespace herald::queue
