#include "domains/describe.hpp"

#include "core/clock.hpp"
#include "domains/publish.hpp"

#include <boost/json/array.hpp>

namespace herald::domains {

namespace json = boost::json;

namespace {

json::value time_or_null(std::int64_t ms) {
    return ms > 0 ? json::value(rfc3339(ms)) : json::value(nullptr);
}

}  // namespace

result<std::vector<dns_record>> records_of(const sender_domain& d, const domains_config& cfg) {
    publish_request request{d.name, d.token, {}};
    for (const auto& s : d.selectors)
        request.dkim.push_back({s.name, s.record});
    return records_to_publish(request, cfg);
}

result<json::object> describe(const sender_domain& d, const domains_config& cfg,
                              std::int64_t now_ms) {
    json::array selectors;
    for (const auto& s : d.selectors) {
        selectors.push_back(
            {{"selector", s.name},
             {"algorithm",
              s.algorithm == dkim::dkim_algorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256"},
             {"role", to_string(s.role)},
             {"retire_at", time_or_null(s.retire_at_ms)},
             // Public; what the operator's zone serves in CNAME mode.
             {"txt", s.record}});
    }
    auto records = records_of(d, cfg);
    if (!records) return records.error();
    json::array published;
    for (const auto& r : *records) {
        auto o = to_json(r);
        o["zone_line"] = zone_line(r);
        published.push_back(std::move(o));
    }
    json::array verdicts;
    for (const auto& v : d.verdicts)
        verdicts.push_back(to_json(v));
    return json::object{{"tenant", d.tenant},
                        {"domain", d.name},
                        {"unicode", d.unicode},
                        {"state", to_string(d.state)},
                        {"may_send", d.may_send(now_ms)},
                        {"created_at", time_or_null(d.created_ms)},
                        {"verified_at", time_or_null(d.verified_ms)},
                        {"checked_at", time_or_null(d.checked_ms)},
                        {"regressed_at", time_or_null(d.regressed_ms)},
                        {"block_at", time_or_null(d.block_at_ms)},
                        {"selectors", std::move(selectors)},
                        {"records", std::move(published)},
                        {"verdicts", std::move(verdicts)}};
}

}  // namespace herald::domains
