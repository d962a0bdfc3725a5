// How herald runs a redis-server of its own, for the local stack
// (app/local_redis) and for the tests (tests/support/redis_server), so the
// two cannot drift: loopback only, protected mode, its own data folder,
// AOF every second without RDB snapshots, noeviction, lazy freeing of
// expired keys, a log file in the data folder.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace herald::app {

struct redis_process_options {
    std::string binary = "redis-server";
    int port = 6390;
    std::string dir;                 // data folder (absolute)
    std::uint64_t maxmemory_mb = 0;  // 0: no ceiling
    std::vector<std::string> extra;  // more flags, after herald's own
    bool own_process_group = false;  // Ctrl-C at the terminal does not reach it
    int parent_death_signal = SIGTERM;
};

std::vector<std::string> redis_server_args(const redis_process_options& o);

// Forks and execs the server; the child dies with the parent
// (PR_SET_PDEATHSIG). Returns the pid, or -1 if fork failed.
pid_t spawn_redis_server(const redis_process_options& o);

}  // namespace herald::app
