#include "domains/dmarc.hpp"

#include <boost/json/array.hpp>

#include <libpsl.h>

#include <algorithm>

namespace herald::domains {
namespace {

// ---- parsing ----------------------------------------------------------------

parse_result<dmarc_record> bad(std::string reason) {
    return {boost::system::in_place_error, std::move(reason)};
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The name without its final dot, lower case.
std::string canonical(std::string_view name) {
    if (name.ends_with('.')) name.remove_suffix(1);
    return lower(name);
}

std::optional<dmarc_policy> policy_of(std::string_view v) {
    const auto p = lower(v);
    if (p == "none") return dmarc_policy::none;
    if (p == "quarantine") return dmarc_policy::quarantine;
    if (p == "reject") return dmarc_policy::reject;
    return std::nullopt;
}

std::optional<alignment_mode> mode_of(std::string_view v) {
    const auto m = lower(v);
    if (m == "r") return alignment_mode::relaxed;
    if (m == "s") return alignment_mode::strict;
    return std::nullopt;
}

bool digits(std::string_view v) {
    return !v.empty() && v.size() <= 10 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// §6.4 dmarc-uri: a URI (scheme ":" ...) and an optional "!" size with
// a unit (k, m, g, t). Returned without the size.
std::optional<std::string> report_uri(std::string_view item) {
    const auto bang = item.rfind('!');
    if (bang != std::string_view::npos) {
        auto size = item.substr(bang + 1);
        if (!size.empty() &&
            std::string_view("kmgtKMGT").find(size.back()) != std::string_view::npos)
            size.remove_suffix(1);
        if (!digits(size)) return std::nullopt;
        item = item.substr(0, bang);
    }
    const auto colon = item.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == item.size())
        return std::nullopt;
    const bool scheme = std::all_of(item.begin(), item.begin() + colon, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
    });
    if (!scheme || std::any_of(item.begin(), item.end(), is_ws)) return std::nullopt;
    return std::string(item);
}

parse_result<std::vector<std::string>> report_uris(std::string_view name, std::string_view value) {
    std::vector<std::string> out;
    for (const auto& item : split_list(value, ',')) {
        auto uri = report_uri(item);
        if (!uri)
            return {boost::system::in_place_error,
                    std::string(name) + "= holds \"" + item + "\", not a URI"};
        out.push_back(std::move(*uri));
    }
    return out;
}

// The tags after v=, each checked; `tags` has lower-case names.
parse_result<dmarc_record> read_tags(const std::vector<tag>& tags) {
    dmarc_record r;
    const auto* p = find_tag(tags, "p");
    if (!p) return bad("p= (the policy) is missing");
    const auto policy = policy_of(p->value);
    if (!policy) return bad("p=" + p->value + " is not none, quarantine or reject");
    r.policy = *policy;
    if (const auto* sp = find_tag(tags, "sp")) {
        r.subdomain_policy = policy_of(sp->value);
        if (!r.subdomain_policy)
            return bad("sp=" + sp->value + " is not none, quarantine or reject");
    }
    for (auto [name, mode] : {std::pair{"adkim", &r.adkim}, std::pair{"aspf", &r.aspf}}) {
        const auto* t = find_tag(tags, name);
        if (!t) continue;
        const auto m = mode_of(t->value);
        if (!m) return bad(std::string(name) + "=" + t->value + " is not r or s");
        *mode = *m;
    }
    if (const auto* pct = find_tag(tags, "pct")) {
        if (!digits(pct->value) || std::stoul(pct->value) > 100)
            return bad("pct=" + pct->value + " is not a whole number from 0 to 100");
        r.pct = static_cast<int>(std::stoul(pct->value));
    }
    if (const auto* ri = find_tag(tags, "ri"); ri && !digits(ri->value))
        return bad("ri=" + ri->value + " is not a number of seconds");
    if (const auto* fo = find_tag(tags, "fo")) {
        for (const auto& o : split_list(fo->value, ':'))
            if (o != "0" && o != "1" && o != "d" && o != "s")
                return bad("fo=" + fo->value + " holds an option other than 0, 1, d or s");
    }
    for (auto [name, uris] : {std::pair{"rua", &r.rua}, std::pair{"ruf", &r.ruf}}) {
        const auto* t = find_tag(tags, name);
        if (!t) continue;
        auto list = report_uris(name, t->value);
        if (!list) return bad(list.error());
        *uris = std::move(*list);
    }
    return r;
}

// ---- the verdict ------------------------------------------------------------

verdict failed(verdict v, std::string reason) {
    v.status = verdict_status::fail;
    v.reason = std::move(reason);
    return v;
}

verdict no_answer(verdict v, const txt_lookup& lookup) {
    v.status = verdict_status::temperror;
    v.reason = "DNS did not answer for " + lookup.name + " (" + lookup.failure +
               "): herald will ask again";
    return v;
}

std::vector<std::string> candidates(const txt_lookup& lookup) {
    std::vector<std::string> out;
    std::copy_if(lookup.records.begin(), lookup.records.end(), std::back_inserter(out),
                 is_dmarc_candidate);
    return out;
}

boost::json::object alignment_of(std::string_view identifier, std::string_view from,
                                 alignment_mode mode) {
    if (identifier.empty()) return {{"checked", false}};
    return {{"domain", canonical(identifier)},
            {"relaxed", aligned(identifier, from, alignment_mode::relaxed)},
            {"strict", aligned(identifier, from, alignment_mode::strict)},
            {"aligned", aligned(identifier, from, mode)}};
}

bool is_aligned(const boost::json::object& a) {
    const auto* v = a.if_contains("aligned");
    return v && v->as_bool();
}

// A missing record passes: herald recommends DMARC but does not require
// it. Without a record receivers apply no DMARC policy at all, so none of
// herald's mail can be refused for it; SPF and DKIM still carry it.
verdict missing(verdict v, const dmarc_check& check) {
    v.details["present"] = false;
    v.details["alignment"] = {
        {"dkim", alignment_of(check.dkim_domain, check.from_domain, alignment_mode::relaxed)},
        {"spf",
         alignment_of(check.return_path_domain, check.from_domain, alignment_mode::relaxed)}};
    v.status = verdict_status::pass;
    v.reason =
        "no DMARC record for " + canonical(check.from_domain) + ": receivers apply no DMARC policy";
    v.warnings.push_back("herald recommends publishing \"v=DMARC1; p=none\" at " +
                         dmarc_record_name(check.from_domain) +
                         " to start, with rua= to receive reports, then a stricter policy");
    return v;
}

// What the record means for herald's mail: whether either identifier
// aligns, as DMARC needs, under the record's modes and policy.
verdict judge(verdict v, const dmarc_check& check, const dmarc_record& r, bool inherited) {
    const auto applied = inherited && r.subdomain_policy ? *r.subdomain_policy : r.policy;
    v.details["present"] = true;
    v.details["policy"] = to_string(r.policy);
    v.details["subdomain_policy"] =
        r.subdomain_policy ? boost::json::value(to_string(*r.subdomain_policy)) : nullptr;
    v.details["applied_policy"] = to_string(applied);
    v.details["adkim"] = to_string(r.adkim);
    v.details["aspf"] = to_string(r.aspf);
    v.details["pct"] = r.pct;
    v.details["rua"] = boost::json::array(r.rua.begin(), r.rua.end());
    auto dkim = alignment_of(check.dkim_domain, check.from_domain, r.adkim);
    auto spf = alignment_of(check.return_path_domain, check.from_domain, r.aspf);
    const bool checked = !check.dkim_domain.empty() || !check.return_path_domain.empty();
    const bool dkim_ok = is_aligned(dkim), spf_ok = is_aligned(spf);
    v.details["alignment"] = {{"dkim", std::move(dkim)}, {"spf", std::move(spf)}};
    const std::string policy_text = "p=" + std::string(to_string(applied)) +
                                    (inherited ? " (from the organizational domain)" : "");
    if (checked && !dkim_ok && !spf_ok) {
        const std::string what = "neither herald's DKIM domain nor its return path aligns with " +
                                 canonical(check.from_domain) +
                                 " (adkim=" + std::string(to_string(r.adkim)) +
                                 ", aspf=" + std::string(to_string(r.aspf)) + ")";
        if (applied != dmarc_policy::none)
            return failed(std::move(v), what + ", so receivers would " +
                                            std::string(to_string(applied)) +
                                            " herald's mail under " + policy_text +
                                            ": relax adkim or sign with the From domain");
        v.warnings.push_back(what + ": harmless under p=none, refused under a stricter policy");
    } else if (!check.dkim_domain.empty() && !dkim_ok && spf_ok) {
        v.warnings.push_back(
            "only the return path aligns: SPF alignment breaks when mail is forwarded, DKIM's "
            "does not; relax adkim or sign with the From domain");
    }
    v.status = verdict_status::pass;
    v.reason = "DMARC " + policy_text + " at " + v.details["source"].as_string().c_str() +
               (checked && (dkim_ok || spf_ok) ? "; herald's mail aligns" : "");
    return v;
}

}  // namespace

std::string_view to_string(dmarc_policy p) noexcept {
    switch (p) {
        case dmarc_policy::none:
            return "none";
        case dmarc_policy::quarantine:
            return "quarantine";
        case dmarc_policy::reject:
            return "reject";
    }
    return "none";
}

std::string_view to_string(alignment_mode m) noexcept {
    switch (m) {
        case alignment_mode::relaxed:
            return "r";
        case alignment_mode::strict:
            return "s";
    }
    return "r";
}

bool is_dmarc_candidate(std::string_view txt) {
    auto skip_ws = [&] {
        while (!txt.empty() && is_ws(txt.front()))
            txt.remove_prefix(1);
    };
    skip_ws();
    if (txt.empty() || (txt.front() != 'v' && txt.front() != 'V')) return false;
    txt.remove_prefix(1);
    skip_ws();
    if (txt.empty() || txt.front() != '=') return false;
    txt.remove_prefix(1);
    skip_ws();
    return lower(txt.substr(0, 6)) == "dmarc1";
}

parse_result<dmarc_record> parse_dmarc_record(std::string_view text) {
    auto tags = parse_tag_list(text);
    if (!tags) return bad(tags.error());
    std::vector<tag> named;
    for (auto& t : *tags) {
        t.name = lower(t.name);
        if (find_tag(named, t.name)) return bad("tag " + t.name + "= appears twice");
        named.push_back(std::move(t));
    }
    if (named.empty() || named.front().name != "v")
        return bad("the record must start with v=DMARC1");
    if (named.front().value != "DMARC1")
        return bad("v=" + named.front().value + " is not exactly DMARC1");
    return read_tags(named);
}

std::string dmarc_record_name(std::string_view domain) {
    return "_dmarc." + canonical(domain);
}

std::string organizational_domain(std::string_view domain) {
    const auto name = canonical(domain);
    // The built-in list is compiled into libpsl: no file to read, nothing
    // to fail at run time. Debian refreshes it with the package.
    const psl_ctx_t* psl = psl_builtin();
    const char* registrable = psl ? psl_registrable_domain(psl, name.c_str()) : nullptr;
    return registrable ? std::string(registrable) : name;
}

std::optional<std::string> dmarc_fallback_name(std::string_view from_domain,
                                               const txt_lookup& at_from) {
    if (!at_from.answered) return std::nullopt;
    if (std::any_of(at_from.records.begin(), at_from.records.end(), is_dmarc_candidate))
        return std::nullopt;
    const auto org = organizational_domain(from_domain);
    if (org == canonical(from_domain)) return std::nullopt;
    return dmarc_record_name(org);
}

bool aligned(std::string_view identifier, std::string_view from_domain, alignment_mode mode) {
    const auto a = canonical(identifier);
    const auto b = canonical(from_domain);
    if (mode == alignment_mode::strict) return a == b;
    return organizational_domain(a) == organizational_domain(b);
}

verdict dmarc_verdict(const dmarc_check& check) {
    verdict v;
    v.record = "dmarc";
    v.answers = echo_answers(check.at_from);
    if (check.at_organizational)
        for (auto& a : echo_answers(*check.at_organizational))
            v.answers.push_back(std::move(a));
    const auto org = organizational_domain(check.from_domain);
    v.details = {{"organizational_domain", org}, {"present", false}};
    if (!check.at_from.answered) return no_answer(std::move(v), check.at_from);
    const txt_lookup* source = &check.at_from;
    auto found = candidates(check.at_from);
    if (found.empty() && org != canonical(check.from_domain)) {
        if (!check.at_organizational) {
            v.status = verdict_status::temperror;
            v.reason = dmarc_record_name(org) + " was not looked up: herald will ask again";
            return v;
        }
        if (!check.at_organizational->answered)
            return no_answer(std::move(v), *check.at_organizational);
        source = &*check.at_organizational;
        found = candidates(*source);
    }
    if (found.empty()) return missing(std::move(v), check);
    v.details["present"] = true;  // malformed or not, the tenant published one
    if (found.size() > 1)
        return failed(std::move(v), std::to_string(found.size()) + " DMARC records at " +
                                        source->name +
                                        ": receivers ignore them all; keep exactly one");
    v.details["source"] = source->name;
    auto record = parse_dmarc_record(found.front());
    if (!record)
        return failed(std::move(v),
                      "the DMARC record at " + source->name + " is malformed: " + record.error());
    return judge(std::move(v), check, *record, source != &check.at_from);
}

}  // namespace herald::domains
