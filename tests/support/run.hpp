// Runs one coroutine to completion on a fresh io_context, failing the test
// (by exception) if it has not finished within `limit`: every test stops
// by itself.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace herald::test {

template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> co,
      std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::optional<T> out;
    std::exception_ptr err;
    boost::asio::co_spawn(ioc, std::move(co), [&](std::exception_ptr e, T v) {
        err = e;
        if (!e) out.emplace(std::move(v));
    });
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!out && !err && std::chrono::steady_clock::now() < deadline)
        ioc.run_one_for(std::chrono::milliseconds(50));
    if (err) std::rethrow_exception(err);
    if (!out) throw std::runtime_error("coroutine did not finish in time");
    return std::move(*out);
}

inline void run(boost::asio::io_context& ioc, boost::asio::awaitable<void> co,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
    run(
        ioc,
        [](boost::asio::awaitable<void> c) -> boost::asio::awaitable<bool> {
            co_await std::move(c);
            co_return true;
        }(std::move(co)),
        limit);
}

}  // namespace herald::test
