#include "domains/verifier.hpp"

#include "dns/errors.hpp"

namespace herald::domains {

namespace asio = boost::asio;

namespace {

std::string quoted_answers(std::string_view type, std::string_view name,
                           const std::vector<std::string>& values) {
    std::string out = std::string(type) + " " + std::string(name) + ":";
    for (const auto& v : values)
        out += " \"" + v + "\"";
    return out;
}

// A DNS error as a verdict: a temperror when asking again may help, a
// fail (the record is not there) otherwise.
verdict dns_verdict(std::string record, std::string_view name, const error& e) {
    verdict v;
    v.record = std::move(record);
    const bool transient = dns::is_transient(e.code);
    v.status = transient ? verdict_status::temperror : verdict_status::fail;
    v.reason = transient
                   ? "DNS did not answer for " + std::string(name) + " (" + e.to_string() + ")"
                   : "no record at " + std::string(name);
    v.answers.push_back(std::string(name) + ": " + std::string(e.name()));
    return v;
}

}  // namespace

verdict ownership_verdict(const sender_domain& d, const result<std::vector<std::string>>& txt) {
    const std::string name = "_herald." + d.name;
    if (!txt) return dns_verdict("ownership", name, txt.error());
    verdict v;
    v.record = "ownership";
    v.answers.push_back(quoted_answers("TXT", name, *txt));
    const std::string want = "herald-verify=" + d.token;
    for (const auto& t : *txt)
        if (t == want) {
            v.status = verdict_status::pass;
            v.reason = "the ownership token is published";
            return v;
        }
    v.reason = "publish TXT \"" + want + "\" at " + name;
    return v;
}

asio::awaitable<std::vector<verdict>> verify_records(dns::resolver& r, const sender_domain& d,
                                                     const domains_config& cfg) {
    (void)cfg;
    std::vector<verdict> out;
    auto owner = co_await r.txt("_herald." + d.name);
    out.push_back(ownership_verdict(d, owner));
    co_return out;
}

}  // namespace herald::domains
