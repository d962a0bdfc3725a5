#include "tests/ops/herald_stack.hpp"

#include "tests/support/redis_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace herald::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

herald_process::herald_process(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv{HERALD_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> c;
        for (auto& a : argv)
            c.push_back(a.data());
        c.push_back(nullptr);
        ::execv(c[0], c.data());
        ::_exit(127);
    }
}

herald_process::~herald_process() {
    if (stop() < 0 && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

bool herald_process::running() {
    return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int herald_process::stop() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 3000; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(10ms);
    }
    return -1;
}

http_answer http_call(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers) {
    try {
        raw_connection c(port, 10000);
        std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto& [k, v] : headers)
            req += k + ": " + v + "\r\n";
        if (!body.empty())
            req +=
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n";
        req += "Connection: close\r\n\r\n" + body;
        c.send(req);
        return c.read();
    } catch (const std::exception&) {
        return {};
    }
}

herald_up_stack::herald_up_stack(const std::string& extra_config) {
    redis_port_ = free_port();
    api_port_ = free_port();
    const auto config = dir_.path() / "herald.toml";
    std::ofstream(config) << "[local]\nport = " << redis_port_ << "\ndata_dir = \""
                          << (dir_.path() / "data").string() << "\"\n[transport]\ncapture_dir = \""
                          << (dir_.path() / "capture").string()
                          << "\"\n[api]\nlisten = \"127.0.0.1:" << api_port_ << "\"\n"
                          << extra_config;
    proc_ = std::make_unique<herald_process>(
        std::vector<std::string>{"up", "--config", config.string()}, log());
    const auto key_file = dir_.path() / "data" / "demo-api-key";
    for (int i = 0; i < 300 && key_.empty(); ++i) {
        std::this_thread::sleep_for(100ms);
        if (!proc_->running()) break;
        // Ready: the library is loaded (up serves before its worker prepares Redis).
        if (http_call(api_port_, "GET", "/readyz").status != 200) continue;
        std::ifstream in(key_file);
        std::getline(in, key_);
    }
    if (key_.empty()) throw std::runtime_error("herald up did not start: " + read_file(log()));
    // /readyz answers once the library is loaded, but up's API serves
    // before its worker has laid out the shards (admission answers 503
    // until then): wait until /metrics sees the worker read.
    for (int i = 0; i < 300; ++i) {
        const auto m = http_call(api_port_, "GET", "/metrics");
        if (m.status == 200 && sample_value(m.body, "herald_workers_seen") >= 1) return;
        std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("herald up's worker never read: " + read_file(log()));
}

http_answer herald_up_stack::send(const std::string& body, const std::string& idempotency_key) {
    std::map<std::string, std::string> h{{"Authorization", "Bearer " + key_}};
    if (!idempotency_key.empty()) h["Idempotency-Key"] = idempotency_key;
    return http_call(api_port_, "POST", "/v1/messages", body, h);
}

std::string herald_up_stack::scrape() {
    auto a = http_call(api_port_, "GET", "/metrics");
    if (a.status != 200)
        throw std::runtime_error("GET /metrics answered " + std::to_string(a.status) + ": " +
                                 a.body);
    return a.body;
}

std::string numbered_email(int n) {
    return R"({"channel":"email","from":"app@example.com","to":"you@example.com",)"
           R"("subject":"metrics )" +
           std::to_string(n) + R"(","text":"message )" + std::to_string(n) + R"("})";
}

std::pair<int, std::string> promtool_check_metrics(const std::string& text) {
    scratch_dir dir("herald-promtool");
    const auto in = dir.path() / "metrics.txt";
    std::ofstream(in) << text;
    const std::string cmd = "promtool check metrics < '" + in.string() + "' 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (auto n = std::fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

double sample_value(const std::string& text, const std::string& series) {
    std::size_t at = 0;
    while ((at = text.find(series + " ", at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
        ++at;
    }
    return -1;
}

}  // namespace herald::test
