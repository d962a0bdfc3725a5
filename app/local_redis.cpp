#include "app/local_redis.hpp"

#include "app/redis_process.hpp"

#include "core/log.hpp"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace herald::app {

std::string local_url(const local_config& cfg) {
    return "redis://127.0.0.1:" + std::to_string(cfg.port);
}

bool redis_answers(const std::string& host, int port, int timeout_ms) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext* c = redisConnectWithTimeout(host.c_str(), port, tv);
    bool ok = false;
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
        ok = r && r->type == REDIS_REPLY_STATUS;
        if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
    return ok;
}

result<local_redis> local_redis::start(const local_config& cfg) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(cfg.data_dir, ec);
    if (ec)
        return make_error(errc::invalid_argument,
                          "cannot create " + cfg.data_dir + ": " + ec.message());
    if (redis_answers("127.0.0.1", cfg.port, 200))
        return make_error(errc::invalid_argument,
                          "port " + std::to_string(cfg.port) +
                              " already serves a Redis (is another `herald up` running?); "
                              "set local.port or redis.url");
    const std::string dir = fs::absolute(cfg.data_dir).string();
    // Its own process group: Ctrl-C reaches herald only, which drains
    // first and stops the server last.
    const pid_t pid = spawn_redis_server({.binary = cfg.redis_server,
                                          .port = cfg.port,
                                          .dir = dir,
                                          .maxmemory_mb = cfg.maxmemory_mb,
                                          .own_process_group = true});
    if (pid < 0) return make_error(errc::internal, "fork failed");
    local_redis server(pid, local_url(cfg));
    for (int i = 0; i < 200; ++i) {
        if (redis_answers("127.0.0.1", cfg.port, 100)) {
            log::info("local_redis.started", {{"url", server.url()},
                                              {"data_dir", dir},
                                              {"pid", static_cast<std::int64_t>(pid)}});
            return server;
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            server.pid_ = -1;
            return make_error(errc::unavailable,
                              cfg.redis_server + " exited at start; see " + dir + "/redis.log");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return make_error(errc::unavailable, cfg.redis_server + " did not answer within 10 s");
}

local_redis::~local_redis() {
    if (pid_ <= 0) return;
    // SIGTERM makes redis flush its AOF and exit cleanly.
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    log::info("local_redis.stopped", {{"pid", static_cast<std::int64_t>(pid_)}});
}

}  // namespace herald::app
