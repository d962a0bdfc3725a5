// A `herald work` process for tests: started with a config file, its output
// appended to a log, signalled, and killed with the object.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace herald::test {

class worker_process {
public:
    worker_process(const char* herald_bin, const std::filesystem::path& config,
                   const std::filesystem::path& log) {
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::execl(herald_bin, herald_bin, "work", "--config", config.c_str(), nullptr);
            ::_exit(127);
        }
    }
    ~worker_process() {
        if (pid_ > 0) signal(SIGCONT), signal(SIGKILL), wait();
    }
    worker_process(const worker_process&) = delete;
    worker_process& operator=(const worker_process&) = delete;

    void signal(int sig) { ::kill(pid_, sig); }
    // The exit status, or -1 if it did not exit within the limit.
    int wait(std::chrono::seconds limit = std::chrono::seconds(30)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace herald::test
