#include "app/redis_process.hpp"

#include <sys/prctl.h>
#include <unistd.h>

namespace herald::app {

std::vector<std::string> redis_server_args(const redis_process_options& o) {
    std::vector<std::string> args{o.binary, "--bind", "127.0.0.1", "--port", std::to_string(o.port),
                                  "--dir", o.dir, "--appendonly", "yes", "--appendfsync",
                                  "everysec", "--save", "", "--maxmemory-policy", "noeviction",
                                  // Breaker counters are one hash per tenant and
                                  // window: freeing a large one must not stall.
                                  "--lazyfree-lazy-expire", "yes", "--protected-mode", "yes",
                                  "--daemonize", "no", "--logfile", o.dir + "/redis.log"};
    if (o.maxmemory_mb > 0)
        args.insert(args.end(), {"--maxmemory", std::to_string(o.maxmemory_mb) + "mb"});
    args.insert(args.end(), o.extra.begin(), o.extra.end());
    return args;
}

pid_t spawn_redis_server(const redis_process_options& o) {
    auto args = redis_server_args(o);
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    if (o.own_process_group) ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, o.parent_death_signal);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
}

}  // namespace herald::app
