// The SMS transport: what a worker hands an SMS to when transport.sms =
// "providers". One message's way through it:
//
//   check the number (E.164, libphonenumber) and the sender id -> skip a
//   recipient the tenant has suppressed (STOP) -> the tenant's providers in
//   order (sms.providers, else sms.providers_default, else all) -> skip a
//   provider that is down (ratelimit/destination_health, shared through
//   Redis as "sms:<name>") or over its rate (GCRA in segments, per_sec) ->
//   wait for a turn under its max_inflight -> commit the send lease -> the
//   adapter's request over libcurl -> the answer's class (sms/answer.hpp).
//
// Outcomes: accepted -> delivered ("<provider> <its id> ..."; the receipt
// later says delivered or failed); retry and failover -> the next provider,
// and when none is left, deferred, or when the last was throttled, held
// back without an attempt until its Retry-After; ambiguous -> unknown, never sent again (an
// sms.unknown event, reconciled by the receipt); permanent -> bounced (and suppressed where the
// provider says the recipient opted out). When every provider is down or rate-limited, the message
// is postponed without using an attempt.
//
// Thread model: send() on the executor given to create() (one thread).
#pragma once

#include "core/config.hpp"
#include "core/transport.hpp"
#include "queue/redis_client.hpp"
#include "ratelimit/destination_health.hpp"
#include "sms/http_client.hpp"
#include "sms/inflight_gate.hpp"
#include "sms/provider.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::sms {

class sms_transport final : public transport {
public:
    // Fails when no provider is configured (transport.sms = "providers" needs one).
    static result<std::unique_ptr<sms_transport>> create(boost::asio::any_io_executor ex,
                                                         const config& cfg, redis::client& redis,
                                                         const clock& clk);

    std::string_view name() const override { return "sms"; }
    boost::asio::awaitable<outcome> send(const delivery& d) override;
    boost::asio::awaitable<void> close() override;

private:
    struct lane {
        std::unique_ptr<provider> adapter;
        inflight_gate gate;
        std::string destination;  // its name in destination health: "sms:<name>"
    };
    // A tenant's provider order, read from its settings at most every 5 s.
    struct tenant_view {
        std::vector<std::size_t> order;  // indexes into lanes_
        std::chrono::steady_clock::time_point read{};
    };

    sms_transport(boost::asio::any_io_executor ex, const config& cfg, redis::client& redis,
                  const clock& clk);
    std::vector<std::size_t> order_of(std::string_view csv) const;
    // `addresses`: the normalised to and from (its body is empty).
    boost::asio::awaitable<outcome> try_providers(const delivery& d, const sms_message& addresses,
                                                  std::string_view body,
                                                  const std::vector<std::size_t>& order);
    boost::asio::awaitable<millis> rate_wait(const lane& l, std::size_t segments);
    boost::asio::awaitable<void> suppress(const delivery& d, const std::string& to,
                                          const std::string& why);
    boost::asio::awaitable<void> record_unknown(const delivery& d, const std::string& provider,
                                                const std::string& detail);

    const config& cfg_;
    redis::client& redis_;
    const clock& clock_;
    http_client http_;
    ratelimit::destination_health health_;
    std::vector<std::unique_ptr<lane>> lanes_;
    std::vector<std::size_t> default_order_;
    std::unordered_map<std::string, tenant_view>
        tenants_;  // those sent for: at most the registry's
};

}  // namespace herald::sms
