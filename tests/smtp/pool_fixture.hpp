// What the pool tests share: client options with short timeouts and no
// TLS, a destination on 127.0.0.1, and pools on the fixture's io_context.
#pragma once

#include "smtp/pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <stdexcept>

namespace herald::smtp {

class pool_fixture : public ::testing::Test {
protected:
    static pool_options test_options() {
        using namespace std::chrono_literals;
        pool_options o;
        o.session.helo_name = "client.herald.test";
        o.session.tls.mode = tls_mode::none;
        o.session.limits = timeouts::all(5s);
        o.max_connections = 2;
        o.idle_timeout = 10s;
        o.wait_timeout = 10s;
        return o;
    }
    static destination loopback(std::string host, std::uint16_t port) {
        return {std::move(host), boost::asio::ip::make_address("127.0.0.1"), port};
    }
    std::unique_ptr<pool> make_pool(pool_options o) {
        auto p = pool::create(ioc_.get_executor(), std::move(o));
        if (!p) throw std::runtime_error(p.error().to_string());
        return std::move(*p);
    }

    boost::asio::io_context ioc_;
};

}  // namespace herald::smtp
