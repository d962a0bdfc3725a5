// Runs the independent checkers of the tests: Python scripts under tests/
// run by /usr/bin/python3 (Debian's interpreter, the one that sees
// python3-dkim), with messages passed through temporary files. Failures
// throw: a checker that cannot run fails the test, never skips it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace herald::test {

// A file in a fresh temporary directory, removed with the object.
class temp_file {
public:
    explicit temp_file(std::string_view content, std::string_view name = "message.eml");
    ~temp_file();
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path dir_, path_;
};

struct process_result {
    int exit_code = -1;
    std::string out;  // stdout; stderr goes to the test's stderr
};

// Runs tests/<script> (e.g. "dkim/dkim_verify.py") with `args`; arguments are quoted for the shell.
process_result run_python(std::string_view script, const std::vector<std::string>& args);

// Runs argv[0] with the rest as arguments (each quoted for the shell): its
// exit status and stdout; stderr goes to the test's stderr.
process_result run_command(const std::vector<std::string>& argv);

}  // namespace herald::test
