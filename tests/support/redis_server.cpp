#include "tests/support/redis_server.hpp"

#include "app/redis_process.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace herald::test {

std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

redis_server::redis_server(std::vector<std::string> extra_args) : extra_(std::move(extra_args)) {
    char tmpl[] = "/tmp/herald-redis-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    // Another test may take the free port before redis binds it: try anew.
    for (int attempt = 0;; ++attempt) {
        port_ = free_port();
        try {
            start();
            return;
        } catch (const std::exception&) {
            if (attempt == 4) throw;
        }
    }
}

redis_server::~redis_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void redis_server::start() {
    // The local stack's server and flags (app/redis_process), on a free port.
    pid_ = app::spawn_redis_server(
        {.port = port_, .dir = dir_.string(), .extra = extra_, .parent_death_signal = SIGKILL});
    if (pid_ < 0) throw std::runtime_error("fork failed");
    for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("redis-server exited at start; see " +
                                     (dir_ / "redis.log").string());
        }
        timeval tv{0, 100000};
        redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
        bool up = c && !c->err;
        if (c) redisFree(c);
        if (up) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
}

void redis_server::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void redis_server::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void redis_server::stop_writes_like_a_full_disk() {
    // The snapshot is renamed into place at the end of BGSAVE; a non-empty
    // folder of that name makes the rename fail whoever runs the tests
    // (root ignores file modes, so an unwritable folder would not).
    std::filesystem::create_directories(dir_ / "dump.rdb" / "blocked");
    cmd({"CONFIG", "SET", "save", "3600 1"});
    cmd({"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"});
    cmd({"BGSAVE"});
    for (int i = 0; i < 500; ++i) {
        if (cmd({"PING"}).str.starts_with("MISCONF")) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis did not stop writes after a failed BGSAVE");
}

void redis_server::resume_writes() {
    std::filesystem::remove_all(dir_ / "dump.rdb");
    // Without save points a failed snapshot no longer stops writes.
    cmd({"CONFIG", "SET", "save", ""});
}

redis::reply redis_server::cmd(const std::vector<std::string>& argv) const {
    timeval tv{5, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (!c || c->err) {
        if (c) redisFree(c);
        throw std::runtime_error("cannot connect to test redis");
    }
    std::vector<const char*> a;
    std::vector<std::size_t> l;
    for (const auto& s : argv)
        a.push_back(s.data()), l.push_back(s.size());
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(a.size()), a.data(), l.data()));
    redis::reply out = r ? redis::reply::from(*r) : redis::reply{};
    if (r) freeReplyObject(r);
    redisFree(c);
    return out;
}

}  // namespace herald::test
