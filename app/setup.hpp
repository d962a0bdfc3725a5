// Start-up shared by every subcommand: find and load the configuration
// (refusing to run on any problem), and configure logging from it.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "dns/resolver.hpp"
#include "queue/redis_client.hpp"

#include <boost/program_options.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace herald::app {

// The config file to use: --config's value, else ./herald.toml if it
// exists, else none (defaults and environment only).
std::string config_path(const std::string& flag);

// The flags of a long-running command, --config and --help: the config
// flag's value, or nothing with `status` set (0 after --help, which prints
// the usage on stdout; 2 on a usage error, printed on stderr).
std::optional<std::string> parse_config_flag(const std::vector<std::string>& a, const char* what,
                                             int& status);

// Parses a command's `shown` options and its positionals (`hidden`,
// named in order by `positional`): the variables, or nothing with
// `status` set (0 after --help, which prints `shown` on stdout; 2 on a
// usage error, printed with `shown` on stderr).
std::optional<boost::program_options::variables_map> parse_command(
    const std::vector<std::string>& a, const boost::program_options::options_description& shown,
    const boost::program_options::options_description& hidden,
    const std::vector<std::string>& positional, int& status);

// Loads and validates; prints every problem to stderr and returns nothing
// when there is one. Configures logging on success. With `given`, fills
// it with the keys the file or the environment set (config_load::given).
std::optional<config> load_or_report(const std::string& flag,
                                     std::vector<std::string>* given = nullptr);

// The same for a one-shot tool whose answer is JSON on stdout: its logs
// are quieted to warnings (unless the config asks for debug), so they never
// mix with the answer.
std::optional<config> load_tool_config(const std::string& flag);

// Prints {"error": {code, status, message[, retry_after]}} on stdout, the
// answer of every one-shot command that refuses; returns exit code 1.
int print_error(const error& e);

// Runs `body` against the configured Redis on a private io_context and
// returns its exit code: the shape of every one-shot command.
int with_redis(const config& cfg,
               const std::function<boost::asio::awaitable<int>(redis::client&)>& body);

// redis.url, or the local stack's Redis when it is empty.
std::string redis_url(const config& c);

// The resolver sender domains are verified with: domains.dns_servers, else
// the system's. invalid_argument for a bad server list.
result<std::unique_ptr<dns::resolver>> domains_resolver(boost::asio::any_io_executor ex,
                                                        const config& cfg);

}  // namespace herald::app
