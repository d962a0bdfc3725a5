// The webhook dispatcher, run by `herald work` and `herald up`: reads
// every shard's events stream through the consumer group "webhooks" (so
// processes share the work), batches each tenant's events per matching
// endpoint (at most webhooks.batch_max events a batch), stores the batches
// and acknowledges the events in one call (ops/webhook_store.hpp), and
// POSTs due batches, signed (ops/webhook_signature.hpp), with the sms/
// HTTP client (libcurl multi on Asio).
//
// A crash loses nothing: events are acknowledged only with their batches
// stored; entries a dead dispatcher read but never stored are claimed
// again (XAUTOCLAIM) after `reclaim_idle`; a batch whose sender died is
// claimed again once its endpoint's lease lapses. A batch may then reach
// its receiver twice, with the same Herald-Webhook-Id.
//
// Isolation: one request in flight per endpoint (across processes, the
// endpoint's lease), at most `max_in_flight` per process, each with
// webhooks.timeout_ms; the endpoint is checked again before each POST
// (ops/webhook_target.hpp) and the request pinned to the checked address.
// A 2xx answer delivers the batch; anything else is retried after a full
// jitter backoff (webhooks.backoff_base_ms doubling to backoff_cap_ms),
// which the whole endpoint waits out, until webhooks.retry_budget_s have
// passed since the batch's first try; then it goes to the tenant's dead
// letters.
//
// Lag: the events stream keeps about contract::events_max entries
// (MAXLEN ~), whatever the group has read. At start and every `lag_check`
// the dispatcher reads XINFO GROUPS and XINFO STREAM: more unread entries
// (entries-added less entries-read; Redis' lag when reads are not counted)
// than the stream holds, with the group's last-delivered-id before the
// stream's first entry, means entries were trimmed unread: logged as
// webhooks.events_lost (error) with the count. Over half the cap unread is
// webhooks.lagging (warn).
//
// Thread model: everything on the executor given (one thread); run() until
// stop(). The Redis client must be on that executor too.
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event.hpp"
#include "dns/resolver.hpp"
#include "ops/webhook_batch.hpp"
#include "ops/webhook_store.hpp"
#include "ops/webhook_target.hpp"
#include "queue/redis_client.hpp"
#include "sms/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace herald::ops {

inline constexpr std::string_view webhook_group = "webhooks";

struct dispatcher_options {
    std::uint32_t shards = 16;
    webhooks_config hooks;
    std::string consumer;  // unique per process (host:pid)
    dns::resolver_options dns;
    std::chrono::milliseconds block{500};              // XREADGROUP BLOCK
    std::size_t read_count = 256;                      // entries per stream per read
    std::size_t max_in_flight = 64;                    // POSTs at once, this process
    std::chrono::milliseconds poll{200};               // how often due batches are claimed
    std::chrono::milliseconds reclaim_idle{60000};     // a dead dispatcher's entries, claimed after
    std::chrono::milliseconds consumer_idle{3600000};  // other consumers removed after
    std::chrono::milliseconds lag_check{10000};
    std::chrono::milliseconds drain{10000};  // sends in flight at stop get this long
};

struct dispatcher_counters {
    std::uint64_t events_read = 0, batches_stored = 0, delivered = 0, retried = 0, dead = 0,
                  overflowed = 0, reclaimed = 0, lost_reports = 0;  // events_lost lines
};

class webhook_dispatcher {
public:
    webhook_dispatcher(boost::asio::any_io_executor ex, redis::client& redis, const clock& clk,
                       dispatcher_options opt);
    ~webhook_dispatcher();

    boost::asio::awaitable<void> run();
    void stop();

    const dispatcher_counters& counters() const { return counters_; }
    std::size_t in_flight() const { return in_flight_; }

private:
    boost::asio::awaitable<void> prepare();
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> reclaim_loop();
    boost::asio::awaitable<void> send_loop();
    boost::asio::awaitable<void> lag_loop();
    boost::asio::awaitable<void> take(std::uint32_t shard, const redis::reply& entries,
                                      std::vector<std::string> extra_acks = {});
    boost::asio::awaitable<void> reclaim(std::uint32_t shard);
    boost::asio::awaitable<void> check_lag(std::uint32_t shard);
    boost::asio::awaitable<void> send(claimed_batch b);
    boost::asio::awaitable<void> forget_self();
    std::int64_t next_due(std::int64_t attempts, std::int64_t now);
    std::int64_t lease_ms() const;

    boost::asio::any_io_executor ex_;
    redis::client& redis_;
    std::unique_ptr<redis::client> reader_;  // blocking reads hold their connection
    const clock& clock_;
    dispatcher_options opt_;
    std::vector<std::string> streams_;
    dns::resolver resolver_;
    sms::http_client http_;
    event wake_;  // a batch stored, a send finished, or stop
    event stop_;  // stop only: the slow loops' sleep
    std::mt19937_64 rng_{std::random_device{}()};
    bool stopping_ = false;
    std::size_t in_flight_ = 0;
    dispatcher_counters counters_;
};

}  // namespace herald::ops
