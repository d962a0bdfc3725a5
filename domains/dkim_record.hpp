// The DKIM verdict: does the key record published at
// <selector>._domainkey.<domain> hold herald's public key for that
// selector? Pure: the caller hands in the TXT answers it got (through the
// CNAME, when domains.dkim_cname_zone is used) and the record herald
// would publish (dkim::dkim_key::dns_record()).
//
// Parsing follows RFC 6376 §3.6.1: a tag-list (domains/tag_list.hpp);
// v= optional but first and exactly "DKIM1" when present; k= default
// "rsa"; p= required, whitespace removed, empty meaning revoked; t= flags
// separated by ":" ("y" testing, "s" strict; others ignored); h= hash
// algorithms and s= service types separated by ":"; unknown tags ignored.
//
// Error contract: none; every outcome is a verdict (record "dkim"):
// pass, fail with the reason (no record, several records, malformed,
// revoked, another key type, another key, h= or s= excluding herald's
// signatures), or temperror when DNS did not answer.
#pragma once

#include "domains/tag_list.hpp"
#include "domains/txt_lookup.hpp"
#include "domains/verdict.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

struct dkim_key_record {
    std::string version;                             // "DKIM1", or empty when v= is absent
    std::string key_type = "rsa";                    // k=
    std::string public_key;                          // p= without whitespace; empty: revoked
    std::vector<std::string> flags;                  // t=
    std::vector<std::string> hash_algorithms;        // h=; empty: any
    std::vector<std::string> service_types = {"*"};  // s=

    bool revoked() const noexcept { return public_key.empty(); }
    bool testing() const noexcept;  // t=y
    bool strict() const noexcept;   // t=s: i= must be d= exactly, not a subdomain
};

parse_result<dkim_key_record> parse_dkim_key_record(std::string_view text);

// "<selector>._domainkey.<domain>".
std::string dkim_record_name(std::string_view selector, std::string_view domain);

struct dkim_check {
    std::string domain;           // the d= herald signs with
    std::string selector;         // s=
    std::string expected_record;  // what herald publishes: "v=DKIM1; k=rsa; p=..."
    txt_lookup lookup;            // TXT at dkim_record_name(selector, domain)
};

// details: {"selector", "name", "key_type" (published, when parsed),
// "flags" (array), "testing" (bool)}.
verdict dkim_verdict(const dkim_check& check);

}  // namespace herald::domains
