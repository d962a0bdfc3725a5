#include "domains/sender_domain.hpp"

#include "domains/errors.hpp"
#include "domains/sender_state.hpp"
#include "mime/address.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>

namespace herald::domains {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 4> k_states{"pending", "verified", "regressed", "failed"};
constexpr std::array<std::string_view, 3> k_roles{"active", "next", "retiring"};

template <class E, std::size_t N>
result<E> parse_word(const std::array<std::string_view, N>& words, std::string_view w,
                     std::string_view what) {
    for (std::size_t i = 0; i < N; ++i)
        if (words[i] == w) return static_cast<E>(i);
    return make_error(errc::internal,
                      "stored domain has an unknown " + std::string(what) + " " + std::string(w));
}

std::int64_t int_of(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_int64() ? v->as_int64() : 0;
}

std::string text_of(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> strings_of(const json::object& o, std::string_view k) {
    std::vector<std::string> out;
    if (const auto* a = o.if_contains(k); a && a->is_array())
        for (const auto& x : a->as_array())
            if (x.is_string()) out.emplace_back(x.as_string());
    return out;
}

json::object selector_json(const dkim_selector& s) {
    return {{"selector", s.name},
            {"algorithm", s.algorithm == dkim::dkim_algorithm::rsa_sha256 ? "rsa" : "ed25519"},
            {"role", to_string(s.role)},
            {"record", s.record},
            {"created_ms", s.created_ms},
            {"retire_at_ms", s.retire_at_ms}};
}

result<verdict> verdict_of(const json::object& o) {
    verdict v;
    v.record = text_of(o, "record");
    const auto status = text_of(o, "status");
    v.status = status == "pass"        ? verdict_status::pass
               : status == "temperror" ? verdict_status::temperror
                                       : verdict_status::fail;
    v.reason = text_of(o, "reason");
    v.answers = strings_of(o, "answers");
    v.warnings = strings_of(o, "warnings");
    if (const auto* d = o.if_contains("details"); d && d->is_object()) v.details = d->as_object();
    return v;
}

}  // namespace

std::string_view to_string(domain_state s) noexcept {
    return k_states[static_cast<std::size_t>(s)];
}

std::string_view to_string(key_role r) noexcept {
    return k_roles[static_cast<std::size_t>(r)];
}

std::string sender_domain::published_state() const {
    if (state == domain_state::regressed) return regressed_state(block_at_ms);
    return std::string(to_string(state));
}

bool sender_domain::may_send(std::int64_t now_ms) const noexcept {
    return state == domain_state::verified ||
           (state == domain_state::regressed && now_ms < block_at_ms);
}

const dkim_selector* sender_domain::selector(std::string_view n) const noexcept {
    for (const auto& s : selectors)
        if (s.name == n) return &s;
    return nullptr;
}

json::value to_json(const sender_domain& d) {
    json::array selectors, verdicts;
    for (const auto& s : d.selectors)
        selectors.push_back(selector_json(s));
    for (const auto& v : d.verdicts)
        verdicts.push_back(to_json(v));
    return {{"tenant", d.tenant},
            {"domain", d.name},
            {"unicode", d.unicode},
            {"token", d.token},
            {"state", to_string(d.state)},
            {"created_ms", d.created_ms},
            {"verified_ms", d.verified_ms},
            {"checked_ms", d.checked_ms},
            {"regressed_ms", d.regressed_ms},
            {"block_at_ms", d.block_at_ms},
            {"selectors", std::move(selectors)},
            {"verdicts", std::move(verdicts)}};
}

result<sender_domain> sender_domain_from_json(std::string_view text) {
    boost::system::error_code ec;
    const auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return make_error(errc::internal, "stored domain is not JSON");
    const auto& o = v.as_object();
    sender_domain d;
    d.tenant = text_of(o, "tenant");
    d.name = text_of(o, "domain");
    d.unicode = text_of(o, "unicode");
    d.token = text_of(o, "token");
    auto state = parse_word<domain_state>(k_states, text_of(o, "state"), "state");
    if (!state) return state.error();
    d.state = *state;
    d.created_ms = int_of(o, "created_ms");
    d.verified_ms = int_of(o, "verified_ms");
    d.checked_ms = int_of(o, "checked_ms");
    d.regressed_ms = int_of(o, "regressed_ms");
    d.block_at_ms = int_of(o, "block_at_ms");
    if (const auto* a = o.if_contains("selectors"); a && a->is_array()) {
        for (const auto& x : a->as_array()) {
            if (!x.is_object()) continue;
            const auto& so = x.as_object();
            dkim_selector s;
            s.name = text_of(so, "selector");
            s.algorithm = text_of(so, "algorithm") == "ed25519"
                              ? dkim::dkim_algorithm::ed25519_sha256
                              : dkim::dkim_algorithm::rsa_sha256;
            auto role = parse_word<key_role>(k_roles, text_of(so, "role"), "key role");
            if (!role) return role.error();
            s.role = *role;
            s.record = text_of(so, "record");
            s.created_ms = int_of(so, "created_ms");
            s.retire_at_ms = int_of(so, "retire_at_ms");
            d.selectors.push_back(std::move(s));
        }
    }
    if (const auto* a = o.if_contains("verdicts"); a && a->is_array())
        for (const auto& x : a->as_array())
            if (x.is_object())
                if (auto verdict = verdict_of(x.as_object()))
                    d.verdicts.push_back(std::move(*verdict));
    return d;
}

std::string next_selector_name(std::int64_t now_ms, const std::vector<dkim_selector>& taken) {
    const std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char month[32];
    std::snprintf(month, sizeof month, "hd%04d%02d", utc.tm_year + 1900, utc.tm_mon + 1);
    for (char c = 'a'; c <= 'z'; ++c) {
        std::string name = std::string(month) + c;
        if (std::none_of(taken.begin(), taken.end(), [&](const auto& s) { return s.name == name; }))
            return name;
    }
    // 26 rotations in one month: the day and time make it unique.
    return std::string(month) + "z" + std::to_string(now_ms % 100000000);
}

result<std::string> sender_domain_name(std::string_view text) {
    auto bad = [&](std::string why) {
        return make_error(domain_errc::invalid_domain, std::string(text) + ": " + why);
    };
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    auto ascii = mime::to_ascii_domain(text);
    if (!ascii) return bad(ascii.error().detail);
    if (ascii->find('.') == std::string::npos)
        return bad("a sender domain has at least two labels");
    if (std::all_of(ascii->begin(), ascii->end(),
                    [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
        return bad("an IP address is not a domain");
    return ascii;
}

}  // namespace herald::domains
