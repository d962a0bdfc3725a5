// The SMTP transport: what a worker hands an email to when
// transport.kind = "smtp". One message's way through it:
//
//   render (mime/render) -> skip recipients suppressed for the tenant, or
//   already delivered by an earlier attempt -> DKIM-sign on the signing
//   pool (never on the I/O thread) with the operator's keys for the domain,
//   else the tenant's own (dkim/key_source.hpp; a blocked domain's mail is
//   refused as domain_not_verified) -> route (relay: the smarthost; direct:
//   each recipient domain's MX, in preference order) -> skip destinations
//   that are suspended (ratelimit/destination_health) -> the destination's
//   connection pool -> per-recipient results: delivered ones remembered
//   for retries, 5.1.x bounces suppressed, the rest retried by the queue;
//   what the result says of the destination's health is recorded.
//
// Outcome: postponed (no attempt used) when the only obstacle is a
// suspended destination; deferred when any recipient must be retried
// (only those are sent again); bounced when every one failed for good (or the message can
// never be rendered); unknown after a lost final dot counts as delivered
// unless the tenant's (or the config's) smtp.unknown_outcome says
// "deferred", and is written as a delivery.unknown event; delivered
// otherwise.
//
// Thread model: send() runs on the executor given to create() (one
// thread); signing runs on its own thread pool.
#pragma once

#include "core/config.hpp"
#include "core/transport.hpp"
#include "dkim/key_source.hpp"
#include "dkim/keys.hpp"
#include "dkim/signer.hpp"
#include "dns/errors.hpp"
#include "dns/mx_route.hpp"
#include "dns/resolver.hpp"
#include "queue/redis_client.hpp"
#include "ratelimit/destination_health.hpp"
#include "smtp/pool.hpp"
#include "smtp/suppression.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>

namespace herald::smtp {

class smtp_transport final : public transport {
public:
    // Reads the DKIM keys and the TLS CA file: call at start-up. `tenant_keys`
    // (may be null) gives the keys of tenants' own domains; the operator's
    // dkim.keys_dir wins where it has keys for a domain.
    static result<std::unique_ptr<smtp_transport>> create(boost::asio::any_io_executor ex,
                                                          const config& cfg, redis::client& redis,
                                                          const clock& clk,
                                                          dkim::key_source* tenant_keys = nullptr);
    ~smtp_transport() override;

    std::string_view name() const override { return "smtp"; }
    boost::asio::awaitable<outcome> send(const delivery& d) override;
    boost::asio::awaitable<void> close() override;

    pool_stats stats() const { return pool_->stats(); }

private:
    smtp_transport(const config& cfg, redis::client& redis, const clock& clk);

    boost::asio::awaitable<result<std::string>> sign(std::string data, std::string_view tenant,
                                                     std::string from_domain);
    boost::asio::awaitable<result<std::vector<destination>>> route(std::string domain);
    boost::asio::awaitable<send_result> deliver(const delivery& d, const envelope& env,
                                                std::string_view data);
    boost::asio::awaitable<send_result> try_hosts(const delivery& d, const envelope& part,
                                                  const std::vector<destination>& dests,
                                                  std::string_view data);
    boost::asio::awaitable<void> remember_delivered(const delivery& d, const std::string& sent_key,
                                                    std::vector<std::string> delivered);
    boost::asio::awaitable<outcome_kind> unknown_counts_as(const delivery& d,
                                                           const std::string& detail);

    const config& cfg_;
    redis::client& redis_;
    const clock& clock_;
    suppression_list suppression_;
    dkim::key_store keys_;
    dkim::key_source* tenant_keys_ = nullptr;
    std::unique_ptr<dkim::dkim_signer> signer_;
    std::unique_ptr<boost::asio::thread_pool> signing_;
    std::unique_ptr<dns::resolver> resolver_;
    std::unique_ptr<dns::mx_router> router_;
    std::unique_ptr<pool> pool_;
    std::unique_ptr<ratelimit::destination_health> health_;
};

}  // namespace herald::smtp
