// The local stack's own redis-server, for `herald up` without a Redis URL:
// loopback only, its own data folder, AOF on (every second), a maxmemory
// ceiling (local.maxmemory_mb) with noeviction,
// so accepted work survives a restart and is never evicted. The server
// dies with herald (PR_SET_PDEATHSIG), even if herald is killed.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"

#include <sys/types.h>

namespace herald::app {

class local_redis {
public:
    // Starts the server and waits until it answers PING (at most 10 s).
    static result<local_redis> start(const local_config& cfg);

    local_redis(local_redis&& o) noexcept : pid_(o.pid_), url_(std::move(o.url_)) { o.pid_ = -1; }
    local_redis& operator=(local_redis&&) = delete;
    ~local_redis();

    const std::string& url() const { return url_; }

private:
    local_redis(pid_t pid, std::string url) : pid_(pid), url_(std::move(url)) {}
    pid_t pid_ = -1;
    std::string url_;
};

// The URL of the local stack's Redis, for commands run next to `herald up`.
std::string local_url(const local_config& cfg);
// A synchronous PING, for start-up checks only (never on an I/O thread).
bool redis_answers(const std::string& host, int port, int timeout_ms);

}  // namespace herald::app
