// The per-provider in-flight bound: never more than `max` turns at once,
// waiters served first come, first served.
#include "sms/inflight_gate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace herald::sms {
namespace {

namespace asio = boost::asio;

TEST(inflight_gate, holds_at_most_max_and_serves_waiters_in_order) {
    asio::io_context ioc;
    inflight_gate gate(ioc.get_executor(), 2);
    std::size_t now = 0, most = 0;
    std::vector<int> order;
    for (int i = 0; i < 6; ++i)
        asio::co_spawn(
            ioc,
            [&, i]() -> asio::awaitable<void> {
                auto turn = co_await gate.acquire();
                order.push_back(i);
                most = std::max(most, ++now);
                asio::steady_timer hold(ioc, std::chrono::milliseconds(5));
                co_await hold.async_wait(asio::use_awaitable);
                --now;
            },
            asio::detached);
    ioc.run_for(std::chrono::seconds(5));
    EXPECT_EQ(most, 2u);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(gate.in_use(), 0u) << "every turn given back";
}

}  // namespace
}  // namespace herald::sms
