// Runs coroutines side by side on the caller's executor and returns their
// results in the order given, once all have finished: mx_route resolves
// every MX host's A and AAAA at once instead of one after the other.
//
// Error contract: results are values; if a coroutine throws, the first
// exception is rethrown after all have finished. Limits: the caller
// bounds the number of tasks.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <vector>

namespace herald::dns {

template <class T>
boost::asio::awaitable<std::vector<T>> gather(std::vector<boost::asio::awaitable<T>> tasks) {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    struct state {
        explicit state(asio::any_io_executor e, std::size_t n)
            : out(n), left(n), wake(e, asio::steady_timer::time_point::max()) {}
        std::vector<std::optional<T>> out;
        std::exception_ptr first_error;
        std::size_t left;
        asio::steady_timer wake;  // cancelled by the last task to finish
    };
    auto st = std::make_shared<state>(ex, tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        // A task may finish inside co_spawn (it starts inline): `left` is
        // checked before waiting, so an early finish is never missed.
        asio::co_spawn(ex, std::move(tasks[i]), [st, i](std::exception_ptr e, T v) {
            if (e && !st->first_error) st->first_error = e;
            if (!e) st->out[i].emplace(std::move(v));
            if (--st->left == 0) st->wake.cancel();
        });
    }
    while (st->left > 0)
        co_await st->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    if (st->first_error) std::rethrow_exception(st->first_error);
    std::vector<T> out;
    out.reserve(st->out.size());
    for (auto& v : st->out)
        out.push_back(std::move(*v));
    co_return out;
}

}  // namespace herald::dns
