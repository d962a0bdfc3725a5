// A wake-up signal for coroutines on one executor: any number of them
// wait (with a timeout), notify_all() wakes them all. Waiting never
// throws; a waiter re-checks its own condition after waking.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <list>

namespace herald {

class event {
public:
    explicit event(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

    boost::asio::awaitable<void> wait_until(std::chrono::steady_clock::time_point deadline) {
        boost::asio::steady_timer t(ex_, deadline);
        auto it = waiters_.insert(waiters_.end(), &t);
        co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        waiters_.erase(it);
    }

    boost::asio::awaitable<void> wait_for(std::chrono::steady_clock::duration d) {
        co_await wait_until(std::chrono::steady_clock::now() + d);
    }

    void notify_all() {
        for (auto* t : waiters_)
            t->cancel();
    }

    const boost::asio::any_io_executor& executor() const { return ex_; }

private:
    boost::asio::any_io_executor ex_;
    std::list<boost::asio::steady_timer*> waiters_;
};

}  // namespace herald
