#include "tests/dns/dnsmasq.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

// Binds a socket of `type` to 127.0.0.1:port; returns the fd or -1.
int bound(int type, std::uint16_t port) {
    int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return -1;
    auto a = loopback(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool tcp_accepts(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    auto a = loopback(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::uint16_t free_udp_tcp_port() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int udp = bound(SOCK_DGRAM, 0);
        if (udp < 0) continue;
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(udp, reinterpret_cast<sockaddr*>(&a), &len);
        std::uint16_t port = ntohs(a.sin_port);
        int tcp = bound(SOCK_STREAM, port);
        ::close(udp);
        if (tcp >= 0) {
            ::close(tcp);
            return port;
        }
    }
    throw std::runtime_error("no free loopback port");
}

dnsmasq::dnsmasq(std::vector<std::string> records, std::string local_domain) {
    char tmpl[] = "/tmp/herald-dnsmasq-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    args_ = {"/usr/sbin/dnsmasq", "--no-daemon",           "--no-resolv",
             "--no-hosts",        "--conf-file=/dev/null", "--listen-address=127.0.0.1",
             "--bind-interfaces", "--pid-file=",           "--local=/" + local_domain + "/"};
    // As root, dnsmasq would switch to "nobody"; staying root needs saying so.
    if (::geteuid() == 0) args_.push_back("--user=root");
    args_.insert(args_.end(), records.begin(), records.end());
    // The port may be taken between choosing and binding it: choose again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_udp_tcp_port();
        if (start()) return;
    }
    throw std::runtime_error("dnsmasq did not start: " + log());
}

dnsmasq::~dnsmasq() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool dnsmasq::start() {
    auto argv_s = args_;
    argv_s.push_back("--port=" + std::to_string(port_));
    auto log_path = (dir_ / "dnsmasq.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
        std::vector<char*> argv;
        for (auto& a : argv_s)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        if (tcp_accepts(port_)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    return false;
}

void dnsmasq::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string dnsmasq::log() const {
    std::ifstream in(dir_ / "dnsmasq.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace herald::test
