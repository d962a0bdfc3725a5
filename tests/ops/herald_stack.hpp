// herald processes for the metrics tests: `herald up` on free loopback
// ports with its own redis-server, data and capture folders, or
// `herald work` against a given Redis; each stopped by SIGTERM (SIGKILL
// if it does not exit in 30 s) with its object. Plus a blocking HTTP call
// and `promtool check metrics` on a scraped text.
#pragma once

#include "tests/api/api_fixture.hpp"
#include "tests/support/child_process.hpp"

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace herald::test {

class herald_process {
public:
    // build/herald with `args`, stdout and stderr appended to `log`.
    herald_process(const std::vector<std::string>& args, const std::filesystem::path& log);
    ~herald_process();
    herald_process(const herald_process&) = delete;
    herald_process& operator=(const herald_process&) = delete;

    bool running();
    // SIGTERM, then the exit status (-1: still running after 30 s).
    int stop();

private:
    pid_t pid_ = -1;
};

// One request on a fresh connection; status 0 when nothing answered.
http_answer http_call(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {});

// `herald up` in a scratch folder, waited for until /readyz answers, the
// demo tenant's key is written and its worker reads the queue.
class herald_up_stack {
public:
    explicit herald_up_stack(const std::string& extra_config = "");
    std::uint16_t api_port() const { return api_port_; }
    std::uint16_t redis_port() const { return redis_port_; }
    const std::string& demo_key() const { return key_; }
    std::filesystem::path log() const { return dir_.path() / "herald.log"; }

    // POST /v1/messages as the demo tenant.
    http_answer send(const std::string& body, const std::string& idempotency_key = "");
    std::string scrape();

private:
    scratch_dir dir_{"herald-metrics"};
    std::uint16_t api_port_ = 0, redis_port_ = 0;
    std::string key_;
    std::unique_ptr<herald_process> proc_;
};

// An email for the API whose content is told apart by `n`.
std::string numbered_email(int n);

// promtool check metrics on `text` (stdin): its exit status and output.
std::pair<int, std::string> promtool_check_metrics(const std::string& text);

// The value of the sample written as `series` (name and labels as the
// text format writes them), or -1 when there is none.
double sample_value(const std::string& text, const std::string& series);

}  // namespace herald::test
