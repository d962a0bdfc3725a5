// The DNS records a tenant publishes for a sender domain, made from the
// domain, its ownership token, its DKIM selectors and the [domains]
// settings: what `herald domain add|show` prints and the API answers.
// Pure: no DNS, no Redis.
//
// Error contract: `invalid_domain` (domains/errors.hpp) for a domain,
// selector or derived name that is not a valid DNS name;
// `invalid_argument` (core/error.hpp) with `field` set for a bad setting
// (domains.sending_ips, domains.spf_include, domains.dmarc_rua, ...) or a
// bad token. Limits: a TXT value is split into character-strings of at
// most 255 bytes (RFC 1035 §3.3.14); names are at most 253 octets.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

enum class record_purpose { ownership, spf, dkim, dmarc, return_path };

// "ownership" | "spf" | "dkim" | "dmarc" | "return_path": the same words
// as verdict::record.
std::string_view to_string(record_purpose p) noexcept;

struct dns_record {
    record_purpose purpose = record_purpose::ownership;
    std::string type;                  // "TXT" | "CNAME"
    std::string name;                  // owner name, lower case, without the final dot
    std::string value;                 // TXT: the whole text; CNAME: the target, no final dot
    std::vector<std::string> strings;  // TXT: value split into <= 255-byte strings; CNAME: empty
    bool required = true;              // false: recommended (DMARC) or optional (return path)
};

// One DKIM key to publish: its selector and the TXT value of its public
// key (dkim::dkim_key::dns_record(), "v=DKIM1; k=rsa; p=...").
struct selector_key {
    std::string selector;
    std::string txt;
};

struct publish_request {
    std::string domain;           // A-label, lower case, without the final dot
    std::string ownership_token;  // random per domain and tenant
    std::vector<selector_key> dkim;
};

// The label of the return-path (MAIL FROM) host under the tenant's
// domain. A herald-specific label, not "bounce" or "mail": a CNAME cannot
// share its name with any other record, and those common labels are often
// taken already by another provider or the tenant's own MX. Being a
// subdomain of the From domain, it aligns with it under DMARC's default
// relaxed SPF alignment (aspf=r).
inline constexpr std::string_view return_path_label = "hdbounce";

// "hdbounce.<domain>": the MAIL FROM domain when domains.return_path_host is set.
std::string return_path_domain(std::string_view domain);

// The TTL the zone-file lines carry: an hour lets a tenant fix a mistake
// quickly without loading resolvers.
inline constexpr int zone_ttl_s = 3600;

// Ownership, SPF, one DKIM record per selector, DMARC, and the return
// path when domains.return_path_host is set, in that order.
result<std::vector<dns_record>> records_to_publish(const publish_request& request,
                                                   const domains_config& cfg);

// The addresses of domains.sending_ips ("ip, ip, ..."), checked: each an
// IPv4 or IPv6 address herald can send from (not unspecified, multicast,
// scoped or IPv4-mapped), without duplicates, in the given order.
result<std::vector<boost::asio::ip::address>> parse_sending_ips(std::string_view list);

// `text` cut into character-strings of at most 255 bytes, in order;
// joining them gives `text` back. An empty text is one empty string.
std::vector<std::string> split_txt(std::string_view text);

// {"purpose","type","name","value","strings","required"}.
boost::json::object to_json(const dns_record& r);

// The record as one zone-file line, names fully qualified:
// `sel._domainkey.example.com. 3600 IN TXT "v=DKIM1; ..." "..."` or
// `hdbounce.example.com. 3600 IN CNAME bounces.herald.example.`.
std::string zone_line(const dns_record& r);

}  // namespace herald::domains
