// Processes and files for the test servers: a scratch directory removed
// with its object, a child process (stdout and stderr to files) killed with
// its object and with the test (PR_SET_PDEATHSIG), and reading a whole file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace herald::test {

// A fresh directory under /tmp, removed with the object.
class scratch_dir {
public:
    explicit scratch_dir(std::string_view prefix);
    ~scratch_dir();
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A child process whose stdout and stderr go to files.
class child_process {
public:
    child_process(std::vector<std::string> argv, const std::filesystem::path& out,
                  const std::filesystem::path& err);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    bool running();

private:
    pid_t pid_ = -1;
};

std::string read_file(const std::filesystem::path& p);

// The port a test server prints as "READY <port>" on its stdout (`out`),
// waited for up to 15 s; throws with its stderr (`err`) if it exits or
// stays silent.
std::uint16_t ready_port(child_process& proc, const std::filesystem::path& out,
                         const std::filesystem::path& err, std::string_view what);

}  // namespace herald::test
