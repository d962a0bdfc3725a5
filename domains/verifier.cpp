#include "domains/verifier.hpp"

#include "dns/errors.hpp"
#include "domains/dkim_record.hpp"
#include "domains/dmarc.hpp"
#include "domains/publish.hpp"
#include "domains/spf_verdict.hpp"

namespace herald::domains {

namespace asio = boost::asio;

asio::awaitable<txt_lookup> ask_txt(dns::resolver& r, std::string name) {
    auto got = co_await r.txt(name);
    txt_lookup out{std::move(name), {}, true, {}};
    if (got)
        out.records = std::move(*got);
    else if (!dns::is_negative(got.error().code)) {
        out.answered = false;
        out.failure = std::string(got.error().name());
    }
    co_return out;
}

verdict ownership_verdict(const sender_domain& d, const txt_lookup& txt) {
    verdict v;
    v.record = "ownership";
    v.answers = echo_answers(txt);
    const std::string want = "herald-verify=" + d.token;
    if (!txt.answered) {
        v.status = verdict_status::temperror;
        v.reason = "DNS did not answer for " + txt.name + " (" + txt.failure + ")";
        return v;
    }
    for (const auto& t : txt.records)
        if (t == want) {
            v.status = verdict_status::pass;
            v.reason = "the ownership token is published";
            return v;
        }
    v.reason = "publish TXT " + quoted(want) + " at " + txt.name;
    return v;
}

asio::awaitable<std::vector<verdict>> verify_records(dns::resolver& r, const sender_domain& d,
                                                     const domains_config& cfg) {
    // (GCC 12: every co_await on a statement of its own.)
    std::vector<verdict> out;
    auto owner = co_await ask_txt(r, "_herald." + d.name);
    out.push_back(ownership_verdict(d, owner));
    auto spf = co_await spf_verdict(r, d.name, cfg);
    out.push_back(std::move(spf));

    for (const auto& s : d.selectors) {
        auto published = co_await ask_txt(r, dkim_record_name(s.name, d.name));
        auto v = dkim_verdict({d.name, s.name, s.record, std::move(published)});
        v.details["role"] = to_string(s.role);
        out.push_back(std::move(v));
    }

    auto at_from = co_await ask_txt(r, dmarc_record_name(d.name));
    dmarc_check dmarc{d.name,
                      std::move(at_from),
                      {},
                      d.name,
                      cfg.return_path_host.empty() ? d.name : return_path_domain(d.name)};
    if (auto fallback = dmarc_fallback_name(d.name, dmarc.at_from)) {
        auto at_org = co_await ask_txt(r, *fallback);
        dmarc.at_organizational = std::move(at_org);
    }
    out.push_back(dmarc_verdict(dmarc));
    co_return out;
}

}  // namespace herald::domains
