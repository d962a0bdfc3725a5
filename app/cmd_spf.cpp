// `herald spf check --ip IP --domain D [--sender S] [--helo H]
//                    [--dns-server HOST:PORT] [--timeout-ms N] [--json]`
//
// Evaluates RFC 7208 check_host() for one client IP and domain, for ops
// and tenants debugging a record, and as the black-box interface of the
// evaluator. The first word of the first line is the result; then the
// explanation (fail), the lookups with their answers and the count
// against the limits, the term that decided, and warnings. --json prints
// the evaluation as one JSON object. Exit 0 whatever the result (a
// permerror is an answer); 2 on bad arguments. No configuration or Redis
// is needed: only DNS, from /etc/resolv.conf or --dns-server.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "dns/resolver.hpp"
#include "domains/spf/check_host.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>
#include <optional>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace spf = domains::spf;

void print_step(std::ostream& out, const spf::step& s, const spf::evaluation& e) {
    out << "  [" << s.lookups_so_far << "/" << e.max_lookups << " " << s.void_so_far << "/"
        << e.max_void << "] " << s.domain << ": " << s.term;
    if (!s.lookup.empty()) out << "  " << s.lookup;
    if (!s.answers.empty()) {
        out << " ->";
        for (const auto& a : s.answers)
            out << " \"" << a << "\"";
    }
    if (!s.outcome.empty()) out << "  (" << s.outcome << ")";
    out << "\n";
}

void print_text(std::ostream& out, const spf::query& q, const spf::evaluation& e) {
    out << spf::to_string(e.code) << ": " << q.ip.to_string() << " for " << q.domain;
    if (!q.sender.empty()) out << " (sender " << q.sender << ")";
    out << "\n";
    if (e.code == spf::result::fail)
        out << "explanation: " << e.explanation
            << (e.explanation_published ? "" : " (herald's default: no exp= published)") << "\n";
    out << "lookups: " << e.dns_lookups << " of " << e.max_lookups << " DNS lookups, "
        << e.void_lookups << " of " << e.max_void << " void lookups\n";
    out << "trace ([lookups void] domain: term  query -> answers  (outcome)):\n";
    for (const auto& s : e.trace)
        print_step(out, s, e);
    out << "decided by: " << e.decided_by << "\n";
    for (const auto& w : e.warnings)
        out << "warning: " << w << "\n";
}

}  // namespace

int cmd_spf(const args& a) {
    std::string action, ip_text, domain, sender, helo, server;
    int timeout_ms = 2000;
    po::options_description opts("herald spf check --ip IP --domain D [options]");
    opts.add_options()("help,h", "this help")("ip", po::value(&ip_text)->required(),
                                              "the SMTP client's address (IPv4 or IPv6)")(
        "domain", po::value(&domain)->required(), "the domain whose SPF record to evaluate")(
        "sender", po::value(&sender), "MAIL FROM (default postmaster@DOMAIN), for macros")(
        "helo", po::value(&helo), "the HELO/EHLO name, for %{h}")(
        "dns-server", po::value(&server), "HOST:PORT to ask instead of /etc/resolv.conf's")(
        "timeout-ms", po::value(&timeout_ms), "first-try timeout of each DNS query (2000)")(
        "json", "print the evaluation as JSON");
    po::options_description hidden;
    hidden.add_options()("action", po::value(&action));
    int status = 0;
    auto vm = parse_command(a, opts, hidden, {"action"}, status);
    if (!vm) return status;
    if (action != "check" || domain.empty()) {
        std::cerr << "herald: spf check --ip IP --domain D\n" << opts;
        return 2;
    }
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(ip_text, ec);
    if (ec) {
        std::cerr << "herald: --ip: not an IP address: " << ip_text << "\n" << opts;
        return 2;
    }
    dns::resolver_options ro;
    if (!server.empty()) ro.servers = {server};
    ro.timeout = std::chrono::milliseconds(timeout_ms);
    if (auto ok = ro.validate(); !ok) {
        std::cerr << "herald: " << ok.error().to_string() << "\n" << opts;
        return 2;
    }
    asio::io_context ioc;
    std::optional<dns::resolver> r;
    try {
        r.emplace(ioc.get_executor(), ro);
    } catch (const std::exception& e) {
        std::cerr << "herald: cannot start the resolver: " << e.what() << "\n";
        return 1;
    }
    spf::query q{ip, domain, sender, helo};
    spf::options opt;
    std::optional<spf::evaluation> out;
    asio::co_spawn(ioc, spf::check_host(*r, q, opt), [&](std::exception_ptr e, spf::evaluation v) {
        if (!e) out = std::move(v);
    });
    ioc.run();
    if (!out) {
        std::cerr << "herald: the evaluation did not finish\n";
        return 1;
    }
    if (vm->count("json"))
        std::cout << boost::json::serialize(spf::to_json(*out)) << "\n";
    else
        print_text(std::cout, q, *out);
    return 0;
}

}  // namespace herald::app
