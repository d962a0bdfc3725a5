#include "domains/publish.hpp"

#include "dns/name.hpp"
#include "domains/errors.hpp"
#include "domains/txt_lookup.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace herald::domains {
namespace {

namespace ip = boost::asio::ip;

// RFC 1035 §3.3.14: a character-string is a length byte and its text.
constexpr std::size_t k_max_string = 255;
// An ownership token is random text from herald; the bound keeps the TXT
// record one string.
constexpr std::size_t k_max_token = 200;

bool ldh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Labels of letters, digits and inner hyphens (RFC 5890 A-labels are of
// this form), lower case: what a sender domain and a selector must be.
bool ldh_labels(std::string_view name) {
    std::size_t start = 0;
    while (start <= name.size()) {
        auto end = name.find('.', start);
        if (end == std::string_view::npos) end = name.size();
        const auto label = name.substr(start, end - start);
        if (label.empty() || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), ldh)) return false;
        start = end + 1;
    }
    return true;
}

// `name` as a DNS name herald can publish, or invalid_domain naming `what`.
result<std::string> checked_name(std::string_view name, std::string_view what) {
    auto n = dns::normalize_name(name);
    if (!n)
        return make_error(domain_errc::invalid_domain, std::string(what) + ": " + n.error().detail);
    return *n;
}

result<std::string> checked_domain(std::string_view domain) {
    auto n = checked_name(domain, "domain");
    if (!n) return n;
    if (!ldh_labels(*n) || n->find('.') == std::string::npos)
        return make_error(
            domain_errc::invalid_domain,
            "domain \"" + *n + "\": not a lower-case A-label domain of two labels or more");
    return n;
}

error bad_setting(std::string field, std::string detail) {
    return at_field(make_error(errc::invalid_argument, std::move(detail)), std::move(field));
}

dns_record txt(record_purpose purpose, std::string name, std::string value, bool required) {
    auto strings = split_txt(value);
    return {purpose, "TXT", std::move(name), std::move(value), std::move(strings), required};
}

dns_record cname(record_purpose purpose, std::string name, std::string target, bool required) {
    return {purpose, "CNAME", std::move(name), std::move(target), {}, required};
}

result<dns_record> ownership_record(const std::string& domain, std::string_view token) {
    const bool printable = std::all_of(token.begin(), token.end(), [](unsigned char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';';
    });
    if (token.empty() || token.size() > k_max_token || !printable)
        return bad_setting("ownership_token",
                           "the ownership token must be 1 to 200 printable characters without "
                           "spaces, quotes, backslashes or semicolons");
    auto name = checked_name("_herald." + domain, "ownership name");
    if (!name) return name.error();
    return txt(record_purpose::ownership, *name, "herald-verify=" + std::string(token), true);
}

// `~all` (softfail), not `-all`: herald cannot see the other services a
// tenant sends from, and a hard fail there would get their mail refused by
// receivers that act on SPF alone. Enforcement belongs to DMARC, which the
// tenant tightens from p=none once its reports show every source aligned.
//
// A domain has exactly one v=spf1 record (RFC 7208 §4.5: two are a
// permerror for every message): a tenant that already publishes one must
// merge herald's term into it, before its `all`, instead of adding this.
result<dns_record> spf_record(const std::string& domain, const domains_config& cfg) {
    std::string terms;
    if (!cfg.spf_include.empty()) {
        auto include = dns::normalize_name(cfg.spf_include);
        if (!include || include->find('%') != std::string::npos)
            return bad_setting("domains.spf_include",
                               "not a domain name: \"" + cfg.spf_include + "\"");
        terms = " include:" + *include;
    } else {
        auto ips = parse_sending_ips(cfg.sending_ips);
        if (!ips) return ips.error();
        if (ips->empty())
            return bad_setting("domains.sending_ips",
                               "set domains.spf_include or domains.sending_ips: the SPF record "
                               "needs one of them");
        for (const auto& a : *ips)
            terms += (a.is_v4() ? " ip4:" : " ip6:") + a.to_string();
    }
    return txt(record_purpose::spf, domain, "v=spf1" + terms + " ~all", true);
}

result<dns_record> dkim_record(const std::string& domain, const selector_key& key,
                               const domains_config& cfg) {
    if (key.selector.empty() || !ldh_labels(key.selector))
        return make_error(domain_errc::invalid_domain,
                          "DKIM selector \"" + key.selector + "\": not lower-case DNS labels");
    auto name = checked_name(key.selector + "._domainkey." + domain, "DKIM record name");
    if (!name) return name.error();
    if (cfg.dkim_cname_zone.empty()) return txt(record_purpose::dkim, *name, key.txt, true);
    // The target lives in herald's zone, so herald can rotate the key
    // behind it without the tenant touching DNS again.
    auto target = checked_name(key.selector + "." + domain + "." + cfg.dkim_cname_zone,
                               "DKIM CNAME target (domains.dkim_cname_zone)");
    if (!target) return target.error();
    return cname(record_purpose::dkim, *name, *target, true);
}

// p=none: a new domain starts by watching its reports, not by refusing
// mail; the tenant raises the policy itself. Recommended, not required:
// herald's verification passes without it (domains/dmarc.hpp).
//
// A rua= address outside the tenant's domain only receives reports if its
// own domain authorises it (RFC 7489 §7.1: a TXT "v=DMARC1" at
// <tenant-domain>._report._dmarc.<rua-domain>); that is the operator's
// record to publish, once, as a wildcard.
result<dns_record> dmarc_record(const std::string& domain, const domains_config& cfg) {
    std::string value = "v=DMARC1; p=none";
    if (!cfg.dmarc_rua.empty()) {
        const auto& rua = cfg.dmarc_rua;
        const bool clean = std::none_of(rua.begin(), rua.end(), [](unsigned char c) {
            return c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '!';
        });
        if (!rua.starts_with("mailto:") || rua.size() <= 7 || !clean ||
            rua.find('@') == std::string::npos)
            return bad_setting("domains.dmarc_rua", "not one mailto: address: \"" + rua +
                                                        "\" (e.g. "
                                                        "mailto:dmarc@reports.example.com)");
        value += "; rua=" + rua;
    }
    auto name = checked_name("_dmarc." + domain, "DMARC name");
    if (!name) return name.error();
    return txt(record_purpose::dmarc, *name, std::move(value), false);
}

result<dns_record> return_path_record(const std::string& domain, const domains_config& cfg) {
    auto name = checked_name(return_path_domain(domain), "return-path name");
    if (!name) return name.error();
    auto target = dns::normalize_name(cfg.return_path_host);
    if (!target)
        return bad_setting("domains.return_path_host",
                           "not a host name: \"" + cfg.return_path_host + "\"");
    return cname(record_purpose::return_path, *name, *target, false);
}

}  // namespace

std::string_view to_string(record_purpose p) noexcept {
    switch (p) {
        case record_purpose::ownership:
            return "ownership";
        case record_purpose::spf:
            return "spf";
        case record_purpose::dkim:
            return "dkim";
        case record_purpose::dmarc:
            return "dmarc";
        case record_purpose::return_path:
            return "return_path";
    }
    return "ownership";
}

std::string return_path_domain(std::string_view domain) {
    return std::string(return_path_label) + "." + std::string(domain);
}

result<std::vector<ip::address>> parse_sending_ips(std::string_view list) {
    std::vector<ip::address> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        auto item = list.substr(start, end - start);
        start = end + 1;
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item.empty()) {
            if (list.find(',') == std::string_view::npos) break;  // no address at all
            return bad_setting("domains.sending_ips", "an empty item in \"" + std::string(list) +
                                                          "\": separate addresses by one comma");
        }
        boost::system::error_code ec;
        const auto a = ip::make_address(item, ec);
        const std::string shown(item);
        if (ec) return bad_setting("domains.sending_ips", "not an IP address: \"" + shown + "\"");
        if (a.is_unspecified() || a.is_multicast())
            return bad_setting("domains.sending_ips",
                               "not an address mail is sent from: \"" + shown + "\"");
        if (a.is_v6() && (a.to_v6().scope_id() != 0 || a.to_v6().is_v4_mapped()))
            return bad_setting(
                "domains.sending_ips",
                "\"" + shown + "\": write an IPv4-mapped address as IPv4, and no %scope");
        if (std::find(out.begin(), out.end(), a) != out.end())
            return bad_setting("domains.sending_ips", "\"" + shown + "\" is listed twice");
        out.push_back(a);
    }
    return out;
}

std::vector<std::string> split_txt(std::string_view text) {
    std::vector<std::string> out;
    do {
        out.emplace_back(text.substr(0, k_max_string));
        text.remove_prefix(std::min(text.size(), k_max_string));
    } while (!text.empty());
    return out;
}

result<std::vector<dns_record>> records_to_publish(const publish_request& request,
                                                   const domains_config& cfg) {
    auto domain = checked_domain(request.domain);
    if (!domain) return domain.error();
    std::vector<dns_record> out;
    auto own = ownership_record(*domain, request.ownership_token);
    if (!own) return own.error();
    out.push_back(std::move(*own));
    auto spf = spf_record(*domain, cfg);
    if (!spf) return spf.error();
    out.push_back(std::move(*spf));
    for (const auto& key : request.dkim) {
        auto dkim = dkim_record(*domain, key, cfg);
        if (!dkim) return dkim.error();
        out.push_back(std::move(*dkim));
    }
    auto dmarc = dmarc_record(*domain, cfg);
    if (!dmarc) return dmarc.error();
    out.push_back(std::move(*dmarc));
    if (!cfg.return_path_host.empty()) {
        auto rp = return_path_record(*domain, cfg);
        if (!rp) return rp.error();
        out.push_back(std::move(*rp));
    }
    return out;
}

boost::json::object to_json(const dns_record& r) {
    return {{"purpose", to_string(r.purpose)},
            {"type", r.type},
            {"name", r.name},
            {"value", r.value},
            {"strings", boost::json::array(r.strings.begin(), r.strings.end())},
            {"required", r.required}};
}

std::string zone_line(const dns_record& r) {
    std::string line = r.name + ". " + std::to_string(zone_ttl_s) + " IN " + r.type;
    if (r.type != "TXT") return line + " " + r.value + ".";
    for (const auto& s : r.strings)
        line += " " + quoted(s);
    return line;
}

}  // namespace herald::domains
