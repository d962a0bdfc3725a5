// Group commit for producers that admit one message at a time, as the
// HTTP API will (one request, one message). Admissions that arrive while a
// round trip is out wait together and go in the next one, as one
// producer::admit_batch: alone under light load (no added wait), in full
// calls under heavy load, where Redis then reads settings and charges
// tenant-wide counters once per call instead of once per message.
//
// Not thread-safe: use it from the executor of the producer's client.
#pragma once

#include "queue/producer.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>

namespace herald::queue {

class admitter {
public:
    // At most `max_batch` messages per round trip, and at most `max_waiting`
    // waiting for one: more are refused at once with `backpressure`.
    admitter(boost::asio::any_io_executor ex, producer& p, std::size_t max_batch = 1024,
             std::size_t max_waiting = 65536)
        : ex_(std::move(ex)), producer_(p), max_batch_(max_batch), max_waiting_(max_waiting) {}

    boost::asio::awaitable<result<admitted>> admit(admission a);

    std::uint64_t round_trips() const { return round_trips_; }

private:
    struct waiting {
        admission a;
        std::optional<result<admitted>> answer;
        boost::asio::steady_timer* wake;
    };

    boost::asio::awaitable<void> flush();

    boost::asio::any_io_executor ex_;
    producer& producer_;
    std::size_t max_batch_;
    std::size_t max_waiting_;
    std::deque<waiting*> queue_;
    bool flushing_ = false;
    std::uint64_t round_trips_ = 0;
};

}  // namespace herald::queue
