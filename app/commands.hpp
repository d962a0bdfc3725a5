// herald's subcommands. Each returns the process exit code: 0 success,
// 1 refused or failed (with a message), 2 bad usage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald::app {

using args = std::vector<std::string>;

// --help or -h among a command's arguments.
bool wants_help(const args& a);
// Prints a command's usage: asked for (--help), on stdout with status 0;
// after a usage error, on stderr with status 2. Returns that status.
int usage_status(std::string_view text, bool asked);

int cmd_up(const args& a);
int cmd_work(const args& a);
int cmd_enqueue(const args& a);
int cmd_config(const args& a);
int cmd_tenant(const args& a);
int cmd_limits(const args& a);
int cmd_serve(const args& a);
int cmd_key(const args& a);
int cmd_domain(const args& a);
int cmd_spf(const args& a);
int cmd_top(const args& a);
int cmd_webhook(const args& a);

}  // namespace herald::app
