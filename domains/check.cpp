#include "domains/check.hpp"

#include <algorithm>

namespace herald::domains {
namespace {

constexpr std::int64_t k_hour_ms = 3'600'000;

const verdict* find_verdict(const std::vector<verdict>& vs, std::string_view record,
                            std::string_view selector = {}) {
    for (const auto& v : vs) {
        if (v.record != record) continue;
        if (selector.empty()) return &v;
        const auto* s = v.details.if_contains("selector");
        if (s && s->is_string() && s->as_string() == selector) return &v;
    }
    return nullptr;
}

verdict_status status_of(const verdict* v) {
    return v ? v->status : verdict_status::fail;
}

// The reasons of the required records that did not pass, for the events.
std::string failures(const std::vector<const verdict*>& required) {
    std::string out;
    for (const auto* v : required)
        if (v && !v->passed()) out += (out.empty() ? "" : "; ") + v->record + ": " + v->reason;
    return out.empty() ? "a required record is missing" : out;
}

}  // namespace

check_result apply_check(sender_domain& d, std::vector<verdict> verdicts, std::int64_t now_ms,
                         const domains_config& cfg) {
    check_result out;
    std::vector<const verdict*> required{find_verdict(verdicts, "ownership"),
                                         find_verdict(verdicts, "spf")};
    bool has_active = false;
    for (const auto& s : d.selectors)
        if (s.role == key_role::active) {
            required.push_back(find_verdict(verdicts, "dkim", s.name));
            has_active = true;
        }
    if (!has_active) required.push_back(nullptr);  // nothing can sign: never verified
    const bool inconclusive = std::any_of(required.begin(), required.end(), [](const verdict* v) {
        return status_of(v) == verdict_status::temperror;
    });
    const bool passed = std::all_of(required.begin(), required.end(), [](const verdict* v) {
        return status_of(v) == verdict_status::pass;
    });
    // `required` points into `verdicts`, which the domain keeps from here.
    d.checked_ms = now_ms;
    d.verdicts = std::move(verdicts);

    if (passed) {
        // A rotation completes once the new key's record is published.
        for (auto& s : d.selectors)
            if (s.role == key_role::next &&
                status_of(find_verdict(d.verdicts, "dkim", s.name)) == verdict_status::pass) {
                for (auto& old : d.selectors)
                    if (old.role == key_role::active && old.algorithm == s.algorithm) {
                        old.role = key_role::retiring;
                        old.retire_at_ms = now_ms + std::int64_t{cfg.rotate_grace_h} * k_hour_ms;
                    }
                s.role = key_role::active;
                out.events.push_back({"domain.key_rotated", "signing with selector " + s.name});
            }
        if (d.state != domain_state::verified) {
            out.events.push_back(
                {d.state == domain_state::regressed ? "domain.recovered" : "domain.verified",
                 "ownership, SPF and DKIM pass"});
            d.state = domain_state::verified;
            d.verified_ms = now_ms;
            d.regressed_ms = d.block_at_ms = 0;
        }
    } else if (!inconclusive) {
        if (d.state == domain_state::verified) {
            d.state = domain_state::regressed;
            d.regressed_ms = now_ms;
            d.block_at_ms = now_ms + std::int64_t{cfg.grace_h} * k_hour_ms;
            out.events.push_back({"domain.regressed", failures(required)});
        }
        if (d.state == domain_state::regressed && now_ms >= d.block_at_ms) {
            d.state = domain_state::failed;
            out.events.push_back({"domain.blocked", failures(required)});
        }
    }
    std::erase_if(d.selectors, [&](const dkim_selector& s) {
        return s.role == key_role::retiring && s.retire_at_ms <= now_ms;
    });

    const std::int64_t recheck = std::int64_t{cfg.recheck_h} * k_hour_ms;
    std::int64_t next = now_ms + (d.state == domain_state::verified && !inconclusive
                                      ? recheck
                                      : std::min(recheck, k_hour_ms));
    if (d.state == domain_state::regressed)
        next = std::min(next, std::max(d.block_at_ms, now_ms + 1));
    for (const auto& s : d.selectors)
        if (s.role == key_role::retiring) next = std::min(next, s.retire_at_ms);
    out.next_check_ms = next;
    return out;
}

}  // namespace herald::domains
