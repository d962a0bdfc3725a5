// herald's subcommands. Each returns the process exit code: 0 success,
// 1 refused or failed (with a message), 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace herald::app {

using args = std::vector<std::string>;

int cmd_up(const args& a);
int cmd_work(const args& a);
int cmd_enqueue(const args& a);
int cmd_config(const args& a);
int cmd_tenant(const args& a);
int cmd_limits(const args& a);

}  // namespace herald::app
