// `herald config check` prints every problem with its line and exits 1 if
// there is any; `herald config show` prints the effective settings.
#include "app/commands.hpp"
#include "app/setup.hpp"

#include <iostream>

namespace herald::app {

int cmd_config(const args& a) {
    if (wants_help(a) || a.empty() || (a[0] != "check" && a[0] != "show"))
        return usage_status("usage: herald config check|show [--config FILE]\n", wants_help(a));
    std::string flag;
    for (std::size_t i = 1; i + 1 < a.size(); ++i)
        if (a[i] == "--config" || a[i] == "-c") flag = a[i + 1];
    const std::string path = config_path(flag);
    auto loaded = load_config(path);
    for (const auto& p : loaded.problems)
        std::cout << p.where << ": " << p.message << "\n";
    if (!loaded.ok()) {
        std::cout << (path.empty() ? "environment" : path) << ": " << loaded.problems.size()
                  << " problem(s)\n";
        return 1;
    }
    if (a[0] == "show")
        std::cout << describe(loaded.cfg);
    else
        std::cout << (path.empty() ? "defaults" : path) << ": ok\n";
    return 0;
}

}  // namespace herald::app
