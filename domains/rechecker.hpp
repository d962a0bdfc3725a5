// Checks every sender domain again when it is due (domains.recheck_h for
// a verified one, within the hour for the others; domains/check.hpp): any
// worker process runs one, and a short lease per domain makes sure one
// checker does each check. A regression is written as a domain.regressed
// event by the check itself (domains/service.hpp).
#pragma once

#include "core/clock.hpp"
#include "core/event.hpp"
#include "domains/service.hpp"

#include <chrono>
#include <string>

namespace herald::domains {

struct rechecker_options {
    std::string holder;  // who holds a check's lease (the worker's consumer name)
    std::chrono::milliseconds interval = std::chrono::seconds(30);
    std::size_t per_shard = 10;  // checks per shard per round
    std::uint32_t lease_ms = 120000;
};

class rechecker {
public:
    rechecker(boost::asio::any_io_executor ex, service& s, std::uint32_t shards, const clock& clk,
              rechecker_options opt);

    // Rounds until stop(); a Redis failure is logged and waits a round.
    boost::asio::awaitable<void> run();
    // One round over every shard: the number of domains checked.
    boost::asio::awaitable<std::size_t> run_once();
    void stop();

private:
    service& service_;
    std::uint32_t shards_;
    const clock& clock_;
    rechecker_options opt_;
    event wake_;
    bool stopping_ = false;
};

}  // namespace herald::domains
