// The capture transport: each delivered message becomes one file,
// <dir>/<message-id>.json, holding the id, tenant, channel, attempt and
// the message. The local stack's default, and the receiving side of tests.
//
// Files are written to a temporary name and linked into place, so a reader
// never sees half a file, and a message captured before is not written
// again: capture is an idempotent receiver keyed by message id, which
// closes the crash window between "peer accepted" and "marked delivered"
// for this transport (a re-send is counted in `replays()`). Disk writes run
// on a small blocking pool, never on the I/O thread.
#pragma once

#include "core/transport.hpp"

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <filesystem>

namespace herald::app {

class capture_transport final : public transport {
public:
    explicit capture_transport(std::filesystem::path dir);
    ~capture_transport() override;

    std::string_view name() const override { return "capture"; }
    boost::asio::awaitable<outcome> send(const delivery& d) override;

    std::uint64_t replays() const { return replays_.load(); }
    const std::filesystem::path& dir() const { return dir_; }

private:
    outcome write(const delivery& d);

    std::filesystem::path dir_;
    boost::asio::thread_pool pool_{1};
    std::atomic<std::uint64_t> replays_{0};
};

}  // namespace herald::app
