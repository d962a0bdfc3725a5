#include "tests/support/python_runner.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

namespace herald::test {
namespace {

std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

temp_file::temp_file(std::string_view content, std::string_view name) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("herald-smtp-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / name;
    std::ofstream f(path_, std::ios::binary);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + path_.string());
}

temp_file::~temp_file() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

process_result run_python(std::string_view script, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(HERALD_TESTS_DIR) + "/" + std::string(script)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

process_result run_command(const std::vector<std::string>& argv) {
    std::string cmd;
    for (const auto& a : argv)
        cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run " + cmd);
    process_result r;
    char buf[65536];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
        r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace herald::test
