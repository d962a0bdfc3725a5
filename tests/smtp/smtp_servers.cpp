#include "tests/smtp/smtp_servers.hpp"

#include <boost/json/parse.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef HERALD_SMTP_TEST_DIR
#error "HERALD_SMTP_TEST_DIR must name tests/smtp"
#endif

namespace herald::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::uint16_t any_free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

bool accepts(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

// ---- smtp-sink ---------------------------------------------------------------

smtp_sink::smtp_sink(std::vector<std::string> flags) : dir_("herald-smtp-sink") {
    port_ = any_free_port();
    std::vector<std::string> argv{"/usr/sbin/smtp-sink", "-c", "-d",
                                  (dir_.path() / "dump" / "%M.").string()};
    // As root, smtp-sink insists on a user to switch to after binding.
    if (::geteuid() == 0) argv.insert(argv.end(), {"-u", "root"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("127.0.0.1:" + std::to_string(port_));
    argv.push_back("64");
    proc_ = std::make_unique<child_process>(argv, dir_.path() / "counters", dir_.path() / "stderr");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts(port_)) {
        if (!proc_->running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("smtp-sink did not start: " +
                                     read_file(dir_.path() / "stderr"));
        std::this_thread::sleep_for(20ms);
    }
    // The probe above is a session too: wait until it is counted.
    const auto c = wait_sessions(0, 5s);
    if (c.sessions < 0) throw std::runtime_error("smtp-sink did not count the probe");
}

smtp_sink::counters smtp_sink::count() const {
    // Lines like "sess=3 quit=2 mesg=7", the last one is current; smtp-sink
    // ends them with CR or LF.
    auto text = read_file(dir_.path() / "counters");
    std::replace(text.begin(), text.end(), '\r', '\n');
    counters c{-1, 0, 0};
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line, '\n')) {
        int s = 0, q = 0, m = 0;
        if (std::sscanf(line.c_str(), "sess=%d quit=%d mesg=%d", &s, &q, &m) == 3)
            c = {s - 1, q, m};
    }
    return c;
}

smtp_sink::counters smtp_sink::wait_sessions(int sessions, std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto c = count();
    while (c.sessions < sessions && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
        c = count();
    }
    return c;
}

std::vector<std::string> smtp_sink::dumps() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.path() / "dump", ec))
        out.push_back(read_file(e.path()));
    return out;
}

// ---- capture server ------------------------------------------------------------

capture_server::capture_server(std::vector<std::string> flags) : dir_("herald-smtp-capture") {
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(HERALD_SMTP_TEST_DIR) + "/smtp_capture_server.py",
                                  "--dir", dir_.path().string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const auto out = dir_.path() / "stdout";
    proc_ = std::make_unique<child_process>(argv, out, dir_.path() / "stderr");
    port_ = ready_port(*proc_, out, dir_.path() / "stderr", "capture server");
}

std::vector<capture_server::message> capture_server::messages() const {
    std::vector<message> out;
    for (int n = 1;; ++n) {
        const auto base = dir_.path() / std::to_string(n);
        if (!fs::exists(fs::path(base).concat(".json"))) break;
        message m;
        m.content = read_file(fs::path(base).concat(".eml"));
        m.meta = boost::json::parse(read_file(fs::path(base).concat(".json"))).as_object();
        out.push_back(std::move(m));
    }
    return out;
}

boost::json::object capture_server::state() const {
    return boost::json::parse(read_file(dir_.path() / "state.json")).as_object();
}

std::int64_t capture_server::state_value(const char* key) const {
    return state().at(key).as_int64();
}

}  // namespace herald::test
