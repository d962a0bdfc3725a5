// herald: one binary, one subcommand per job (DESIGN.md "Processes").
#include "app/commands.hpp"

#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view usage = R"(usage: herald <command> [options]

  up        the whole stack on this machine: a local redis-server (unless
            redis.url is set), workers, scheduler and reclaimer
  work      workers, scheduler and reclaimer against redis.url
  serve     the HTTP API (api.listen) against redis.url
  enqueue   enqueue one message from flags or a JSON file; prints its id
  tenant    create | list | show | set | unset | pause | resume | breaker
  key       create | list | revoke: a tenant's API keys
  domain    add | show | list | verify | rotate | remove: sender domains
  webhook   add | list | rm | dead | replay: a tenant's signed webhooks
  limits    domain <domain> [<per_sec> <burst> | unset]: destination limits
  top       every tenant's live rates, busiest first, refreshed each second
  config    check | show: validate or print the effective configuration
  spf       check --ip IP --domain D: evaluate a domain's SPF record (RFC 7208)

Every command takes --config FILE (default: ./herald.toml when present).
`herald <command> --help` lists a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << usage;
        return 2;
    }
    const std::string_view cmd = argv[1];
    herald::app::args rest(argv + 2, argv + argc);
    if (cmd == "up") return herald::app::cmd_up(rest);
    if (cmd == "work") return herald::app::cmd_work(rest);
    if (cmd == "serve") return herald::app::cmd_serve(rest);
    if (cmd == "key") return herald::app::cmd_key(rest);
    if (cmd == "domain") return herald::app::cmd_domain(rest);
    if (cmd == "enqueue") return herald::app::cmd_enqueue(rest);
    if (cmd == "config") return herald::app::cmd_config(rest);
    if (cmd == "tenant") return herald::app::cmd_tenant(rest);
    if (cmd == "limits") return herald::app::cmd_limits(rest);
    if (cmd == "spf") return herald::app::cmd_spf(rest);
    if (cmd == "top") return herald::app::cmd_top(rest);
    if (cmd == "webhook") return herald::app::cmd_webhook(rest);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        std::cout << usage;
        return 0;
    }
    std::cerr << "herald: unknown command '" << cmd << "'\n\n" << usage;
    return 2;
}
