// A sender domain as its tenant sees it, the same from the CLI (`herald
// domain`) and the API (/v1/domains): its state and times, its selectors,
// the exact records to publish (each with its zone-file line) and the
// verdicts of its last check. Never a private key, sealed or not.
#pragma once

#include "core/config.hpp"
#include "domains/publish.hpp"
#include "domains/sender_domain.hpp"

#include <boost/json/object.hpp>

namespace herald::domains {

// The records the domain publishes (domains/publish.hpp), from its token
// and selectors. Errors: a [domains] setting the records cannot be made
// from (invalid_argument naming it).
result<std::vector<dns_record>> records_of(const sender_domain& d, const domains_config& cfg);

// Errors: a [domains] setting the records cannot be made from
// (invalid_argument naming it), or a selector that is not a DNS name.
result<boost::json::object> describe(const sender_domain& d, const domains_config& cfg,
                                     std::int64_t now_ms);

}  // namespace herald::domains
