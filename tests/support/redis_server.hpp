// A real redis-server for a test: its own temp folder, a free loopback
// port, AOF on and noeviction like the local stack. Stopped (and its
// folder removed) when the object dies. A missing redis-server fails the
// test: the install step provides it.
#pragma once

#include "queue/redis_reply.hpp"

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace herald::test {

std::uint16_t free_port();

class redis_server {
public:
    explicit redis_server(std::vector<std::string> extra_args = {});
    ~redis_server();

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    const std::filesystem::path& dir() const { return dir_; }

    void start();
    void stop();  // SIGTERM: flushes the AOF like a clean shutdown
    void kill();  // SIGKILL

    // Makes Redis refuse writes (and PING) with MISCONF, as when its disk is
    // full: a save point, and a failed BGSAVE (a folder sits where the
    // snapshot goes). Returns once Redis refuses; resume_writes() undoes it.
    void stop_writes_like_a_full_disk();
    void resume_writes();

    // A synchronous command, for setting up and asserting.
    redis::reply cmd(const std::vector<std::string>& argv) const;

private:
    std::vector<std::string> extra_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace herald::test
