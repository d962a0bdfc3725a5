#include "domains/spf_verdict.hpp"

#include "domains/publish.hpp"
#include "domains/spf/check_host.hpp"
#include "domains/spf/record.hpp"
#include "domains/txt_lookup.hpp"
#include "domains/verifier.hpp"

#include <boost/json/array.hpp>

namespace herald::domains {

namespace asio = boost::asio;

namespace {

verdict spf_base() {
    verdict v;
    v.record = "spf";
    return v;
}

// Only spf_include configured: the record must include herald's domain.
asio::awaitable<verdict> include_verdict(dns::resolver& r, const std::string& domain,
                                         const std::string& include) {
    auto v = spf_base();
    auto txt = co_await ask_txt(r, domain);
    if (!txt.answered) {
        v.status = verdict_status::temperror;
        v.reason = "DNS did not answer for " + domain + " (" + txt.failure + ")";
        co_return v;
    }
    std::erase_if(txt.records, [](const std::string& t) { return !spf::is_spf_record(t); });
    const auto& spf_records = txt.records;
    v.answers = echo_answers(txt);
    if (spf_records.size() != 1) {
        v.reason = spf_records.empty() ? "no SPF record at " + domain
                                       : std::to_string(spf_records.size()) + " SPF records at " +
                                             domain + ": publish one";
        co_return v;
    }
    auto parsed = spf::parse_record(spf_records[0]);
    if (!parsed) {
        v.reason = "the SPF record does not parse: " + parsed.error().detail;
        co_return v;
    }
    for (const auto& m : parsed->mechanisms)
        if (m.kind == spf::mechanism_kind::include && m.q == spf::qualifier::pass &&
            m.text.ends_with(":" + include)) {
            v.status = verdict_status::pass;
            v.reason = "the SPF record includes " + include;
            co_return v;
        }
    v.reason = "add include:" + include + " to the SPF record of " + domain;
    co_return v;
}

}  // namespace

asio::awaitable<verdict> spf_verdict(dns::resolver& r, std::string domain,
                                     const domains_config& cfg) {
    auto ips = parse_sending_ips(cfg.sending_ips);
    auto v = spf_base();
    if (!ips) {
        v.reason = ips.error().detail;
        co_return v;
    }
    if (ips->empty()) {
        if (!cfg.spf_include.empty())
            co_return co_await include_verdict(r, domain, cfg.spf_include);
        v.reason = "herald has no sending addresses to check: set domains.sending_ips";
        co_return v;
    }
    boost::json::array results;
    bool temp = false;
    std::string failed;
    for (const auto& ip : *ips) {
        // Named arguments: GCC 12 destroys a temporary coroutine argument twice.
        spf::query q{ip, domain, "postmaster@" + domain, {}};
        spf::options opt;
        auto e = co_await spf::check_host(r, std::move(q), std::move(opt));
        results.push_back(spf::to_json(e));
        for (auto& w : e.warnings)
            v.warnings.push_back(std::move(w));
        for (const auto& s : e.trace)
            if (!s.lookup.empty())
                for (const auto& a : s.answers)
                    v.answers.push_back(s.lookup + ": " + a);
        if (e.code == spf::result::pass) continue;
        temp |= e.code == spf::result::temperror;
        if (failed.empty())
            failed = ip.to_string() + " gets " + std::string(spf::to_string(e.code)) + " (" +
                     e.decided_by + ")";
    }
    v.details["results"] = std::move(results);
    if (failed.empty()) {
        v.status = verdict_status::pass;
        v.reason = "every sending address passes";
    } else {
        v.status = temp ? verdict_status::temperror : verdict_status::fail;
        v.reason = failed;
    }
    co_return v;
}

}  // namespace herald::domains
