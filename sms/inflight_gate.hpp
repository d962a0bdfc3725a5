// At most `max` requests in flight to one provider from this process: a
// request past it waits its turn (first come, first served) rather than
// piling onto a provider that asked for a bound. One io_context thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>

namespace herald::sms {

class inflight_gate {
public:
    inflight_gate(boost::asio::any_io_executor ex, std::size_t max) : ex_(ex), max_(max) {}

    // A turn, released when the returned holder goes.
    struct turn {
        inflight_gate* gate = nullptr;
        turn() = default;
        explicit turn(inflight_gate* g) : gate(g) {}
        turn(turn&& o) noexcept : gate(std::exchange(o.gate, nullptr)) {}
        turn& operator=(turn&&) = delete;
        ~turn() {
            if (gate) gate->release();
        }
    };

    boost::asio::awaitable<turn> acquire() {
        if (used_ < max_) {
            ++used_;
            co_return turn(this);
        }
        auto waiter = std::make_shared<boost::asio::steady_timer>(
            ex_, boost::asio::steady_timer::time_point::max());
        waiters_.push_back(waiter);
        boost::system::error_code ec;
        co_await waiter->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        co_return turn(this);  // release() handed its slot over
    }

    std::size_t in_use() const { return used_; }

private:
    void release() {
        if (waiters_.empty()) {
            --used_;
            return;
        }
        waiters_.front()->cancel();
        waiters_.pop_front();
    }

    boost::asio::any_io_executor ex_;
    std::size_t max_;
    std::size_t used_ = 0;
    std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace herald::sms
