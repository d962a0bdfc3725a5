// The DMARC verdict of a sender domain (RFC 7489) and the identifier
// alignment it rests on. Pure: the caller asks DNS what these functions
// name and hands the answers back.
//
// Discovery (§6.6.3): the caller asks TXT at dmarc_record_name(from); when
// that holds no DMARC record, dmarc_fallback_name() names the record of
// the organizational domain to ask next. Records that do not start with
// "v=DMARC1" are not DMARC records and are left out; two or more DMARC
// records at one name make receivers ignore DMARC there.
//
// Parsing (§6.3): a tag-list (domains/tag_list.hpp, tag names compared in
// any case); v=DMARC1 first and exact; p= required (none | quarantine |
// reject); sp= likewise; adkim=/aspf= r | s (default r); pct= 0..100;
// rua=/ruf= comma-separated URIs (with an optional !size); fo= and ri=
// checked; unknown tags ignored.
//
// The organizational domain comes from libpsl's built-in public suffix
// list; a name that is itself a public suffix (or unknown to libpsl's
// rules) is its own organizational domain.
//
// Error contract: none; every outcome is a verdict (record "dmarc"): no
// record is pass with a warning (DMARC is recommended, not required, by
// herald); malformed or several records are fail; a policy that would
// quarantine or reject herald's mail because nothing aligns is fail;
// a DNS server that did not answer is temperror.
#pragma once

#include "domains/tag_list.hpp"
#include "domains/txt_lookup.hpp"
#include "domains/verdict.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

enum class dmarc_policy { none, quarantine, reject };
enum class alignment_mode { relaxed, strict };

std::string_view to_string(dmarc_policy p) noexcept;    // "none" | "quarantine" | "reject"
std::string_view to_string(alignment_mode m) noexcept;  // "r" | "s"

struct dmarc_record {
    dmarc_policy policy = dmarc_policy::none;      // p=
    std::optional<dmarc_policy> subdomain_policy;  // sp=
    alignment_mode adkim = alignment_mode::relaxed;
    alignment_mode aspf = alignment_mode::relaxed;
    int pct = 100;
    std::vector<std::string> rua;  // as written, without !size
    std::vector<std::string> ruf;
};

// Whether a TXT record is meant as a DMARC record: it starts with "v",
// "=" and "DMARC1" in any case (whitespace allowed around "="). Such a
// record that then does not parse is malformed, not ignored.
bool is_dmarc_candidate(std::string_view txt);

parse_result<dmarc_record> parse_dmarc_record(std::string_view text);

// "_dmarc.<domain>".
std::string dmarc_record_name(std::string_view domain);

// The registrable domain of `domain` by the public suffix list
// ("mail.example.co.uk" -> "example.co.uk"), lower case without the final
// dot; the name itself when it is a public suffix or unknown to the list.
std::string organizational_domain(std::string_view domain);

// After asking at dmarc_record_name(from_domain): the name to ask next
// (the organizational domain's record), or nothing when `at_from` holds a
// DMARC record, did not answer, or `from_domain` is its own
// organizational domain.
std::optional<std::string> dmarc_fallback_name(std::string_view from_domain,
                                               const txt_lookup& at_from);

// Identifier alignment (§3.1): strict when the names are equal, relaxed
// when their organizational domains are; case and a final dot ignored.
bool aligned(std::string_view identifier, std::string_view from_domain, alignment_mode mode);

struct dmarc_check {
    std::string from_domain;                      // the tenant's From domain
    txt_lookup at_from;                           // TXT at _dmarc.<from_domain>
    std::optional<txt_lookup> at_organizational;  // when dmarc_fallback_name() named one
    std::string dkim_domain;                      // herald's d=; empty: not checked
    std::string return_path_domain;               // the MAIL FROM domain; empty: not checked
};

// details: {"present", "source" (the name the record came from),
// "organizational_domain", "policy", "subdomain_policy", "applied_policy",
// "adkim", "aspf", "pct", "rua", "alignment": {"dkim"|"spf": {"domain",
// "relaxed", "strict", "aligned" (under the record's mode)}}}.
verdict dmarc_verdict(const dmarc_check& check);

}  // namespace herald::domains
