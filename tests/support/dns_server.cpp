#include "tests/support/dns_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald::test {
namespace {

namespace json = boost::json;

std::string norm(std::string n) {
    while (n.ends_with('.'))
        n.pop_back();
    std::transform(n.begin(), n.end(), n.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return n;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// One A query for "ready.invalid" over UDP: any answer means the server
// reads and answers.
bool answers(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const unsigned char q[] = {0x12, 0x34, 1,   0,   0,   1,   0,   0, 0,   0,   0,
                               0,    5,    'r', 'e', 'a', 'd', 'y', 7, 'i', 'n', 'v',
                               'a',  'l',  'i', 'd', 0,   0,   1,   0, 1};
    bool ok = ::sendto(fd, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) > 0;
    pollfd p{fd, POLLIN, 0};
    ok = ok && ::poll(&p, 1, 200) == 1;
    ::close(fd);
    return ok;
}

}  // namespace

dns_server::dns_server(std::vector<dns_record> records) : records_(std::move(records)) {
    char tmpl[] = "/tmp/herald-dns-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    for (auto& r : records_)
        r.name = norm(r.name), r.type = upper(r.type);
    write_zone();
    start();
}

dns_server::~dns_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void dns_server::publish(const std::vector<dns_record>& records) {
    std::vector<dns_record> incoming = records;
    for (auto& r : incoming) {
        r.name = norm(r.name), r.type = upper(r.type);
        std::erase_if(records_, [&](const dns_record& old) {
            return old.name == r.name && old.type == r.type;
        });
        servfail_.erase(r.name);
        timeout_.erase(r.name);
    }
    records_.insert(records_.end(), incoming.begin(), incoming.end());
    write_zone();
}

void dns_server::remove(const std::string& name) {
    auto n = norm(name);
    std::erase_if(records_, [&](const dns_record& r) { return r.name == n; });
    servfail_.erase(n);
    timeout_.erase(n);
    write_zone();
}

void dns_server::servfail(const std::string& name) {
    servfail_.insert(norm(name));
    write_zone();
}

void dns_server::timeout(const std::string& name) {
    timeout_.insert(norm(name));
    write_zone();
}

// Written aside and renamed: the server never reads half a file, and the
// new inode tells it the zone changed even within one mtime tick.
void dns_server::write_zone() const {
    json::array recs;
    for (const auto& r : records_) {
        json::array values;
        for (const auto& v : r.values)
            values.emplace_back(v);
        recs.push_back(json::object{
            {"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"values", std::move(values)}});
    }
    json::array sf(servfail_.begin(), servfail_.end()), to(timeout_.begin(), timeout_.end());
    json::object zone{{"records", std::move(recs)}, {"servfail", sf}, {"timeout", to}};
    auto tmp = dir_ / "zone.json.tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json::serialize(zone);
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, dir_ / "zone.json");
}

void dns_server::start() {
    auto script = std::string(HERALD_DNS_SERVER_PY);
    auto zone = (dir_ / "zone.json").string();
    auto port_file = (dir_ / "port").string();
    auto log_path = (dir_ / "server.log").string();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
        const char* argv[] = {"/usr/bin/python3", script.c_str(), zone.c_str(), port_file.c_str(),
                              nullptr};
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    // Python and dnslib take a moment to load: up to 10 s, then fail.
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            break;
        }
        if (port_ == 0) {
            std::ifstream in(port_file);
            unsigned p = 0;
            if (in >> p) port_ = static_cast<std::uint16_t>(p);
        }
        if (port_ != 0 && answers(port_)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("dns_server.py did not start: " + log());
}

void dns_server::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string dns_server::log() const {
    std::ifstream in(dir_ / "server.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace herald::test
