#include "domains/dkim_record.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace herald::domains {
namespace {

parse_result<dkim_key_record> bad(std::string reason) {
    return {boost::system::in_place_error, std::move(reason)};
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// A ":"-separated list (t=, h=, s=), lower-cased, empty items dropped.
std::vector<std::string> colon_list(std::string_view value) {
    std::vector<std::string> out;
    for (auto& item : split_list(value, ':'))
        if (!item.empty()) out.push_back(lower(std::move(item)));
    return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// RFC 6376 §3.6.1 base64string, whitespace already removed: the base64
// alphabet, then at most two "=".
bool base64_text(std::string_view p) {
    const auto pad = p.find('=');
    const auto body = p.substr(0, pad);
    const bool alphabet = std::all_of(body.begin(), body.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
    if (!alphabet) return false;
    if (pad == std::string_view::npos) return true;
    const auto tail = p.substr(pad);
    return tail == "=" || tail == "==";
}

verdict failed(verdict v, std::string reason) {
    v.status = verdict_status::fail;
    v.reason = std::move(reason);
    return v;
}

// The checks of a parsed record against herald's, first failure wins.
verdict judge(verdict v, const dkim_key_record& got, const dkim_key_record& ours,
              const std::string& name) {
    if (got.revoked())
        return failed(std::move(v), "the key at " + name +
                                        " is revoked (empty p=): publish herald's record again");
    if (got.key_type != ours.key_type)
        return failed(std::move(v), "the record at " + name + " is for k=" + got.key_type +
                                        " but herald signs with k=" + ours.key_type +
                                        ": publish herald's record as given");
    if (got.public_key != ours.public_key)
        return failed(std::move(v), "the record at " + name +
                                        " holds another public key than herald's for this "
                                        "selector: replace it with herald's record");
    if (!got.hash_algorithms.empty() && !contains(got.hash_algorithms, "sha256"))
        return failed(std::move(v), "the record at " + name +
                                        " excludes sha256 in h=, which herald signs with: "
                                        "remove h= or add sha256");
    if (!contains(got.service_types, "*") && !contains(got.service_types, "email"))
        return failed(std::move(v),
                      "the record at " + name + " is not for email (s=): remove s= or add email");
    if (got.testing())
        v.warnings.push_back(
            "t=y: the domain is in DKIM testing mode, so receivers treat failed signatures "
            "leniently; remove t=y once mail verifies");
    v.status = verdict_status::pass;
    v.reason = "the DKIM record at " + name + " holds herald's " + ours.key_type + " key";
    return v;
}

}  // namespace

bool dkim_key_record::testing() const noexcept {
    return contains(flags, "y");
}

bool dkim_key_record::strict() const noexcept {
    return contains(flags, "s");
}

parse_result<dkim_key_record> parse_dkim_key_record(std::string_view text) {
    auto tags = parse_tag_list(text);
    if (!tags) return bad(tags.error());
    dkim_key_record r;
    if (const auto* v = find_tag(*tags, "v")) {
        if (&tags->front() != v) return bad("v= must be the first tag");
        if (v->value != "DKIM1") return bad("v=" + v->value + " is not DKIM1");
        r.version = v->value;
    }
    if (const auto* k = find_tag(*tags, "k")) {
        if (k->value.empty()) return bad("k= is empty");
        r.key_type = lower(k->value);
    }
    const auto* p = find_tag(*tags, "p");
    if (!p) return bad("p= (the public key) is missing");
    r.public_key = without_whitespace(p->value);
    if (!base64_text(r.public_key)) return bad("p= is not base64");
    if (const auto* t = find_tag(*tags, "t")) r.flags = colon_list(t->value);
    if (const auto* h = find_tag(*tags, "h")) r.hash_algorithms = colon_list(h->value);
    if (const auto* s = find_tag(*tags, "s")) r.service_types = colon_list(s->value);
    return r;
}

std::string dkim_record_name(std::string_view selector, std::string_view domain) {
    return std::string(selector) + "._domainkey." + std::string(domain);
}

verdict dkim_verdict(const dkim_check& check) {
    const auto name = dkim_record_name(check.selector, check.domain);
    verdict v;
    v.record = "dkim";
    v.answers = echo_answers(check.lookup);
    v.details = {{"selector", check.selector}, {"name", name}};
    if (!check.lookup.answered) {
        v.status = verdict_status::temperror;
        v.reason = "DNS did not answer for " + name + " (" + check.lookup.failure +
                   "): herald will ask again";
        return v;
    }
    const auto& records = check.lookup.records;
    if (records.empty())
        return failed(std::move(v), "no DKIM record at " + name +
                                        ": publish the record herald gave for selector " +
                                        check.selector);
    if (records.size() > 1)
        return failed(std::move(v), std::to_string(records.size()) + " TXT records at " + name +
                                        ": receivers may pick any of them; keep only herald's");
    auto got = parse_dkim_key_record(records.front());
    if (!got)
        return failed(std::move(v), "the DKIM record at " + name + " is malformed: " + got.error());
    v.details["key_type"] = got->key_type;
    v.details["flags"] = boost::json::array(got->flags.begin(), got->flags.end());
    v.details["testing"] = got->testing();
    auto ours = parse_dkim_key_record(check.expected_record);
    if (!ours)
        return failed(std::move(v), "herald's own record for selector " + check.selector +
                                        " does not parse (" + ours.error() +
                                        "): report this to the operator");
    return judge(std::move(v), *got, *ours, name);
}

}  // namespace herald::domains
