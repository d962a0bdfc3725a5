// What one check's verdicts do to a domain: its state, its keys'
// rotation, and when it is checked next. Pure: the caller (domains/
// service.hpp) asked DNS, and saves and reports what this returns.
//
//   pending/failed  --all pass-->  verified                  domain.verified
//   verified        --a fail---->  regressed (block_at =     domain.regressed
//                                  now + domains.grace_h)
//   regressed       --all pass-->  verified                  domain.recovered
//   regressed       --a fail, now >= block_at--> failed      domain.blocked
//
// "All pass" is ownership, SPF and every active key's DKIM record. A DNS
// temperror on any of them decides nothing: the state stays, and the
// check comes back within the hour. A `next` key whose record passes on a
// passing domain becomes active; the active key of its algorithm retires,
// stays published for domains.rotate_grace_h more, then is dropped.
#pragma once

#include "core/config.hpp"
#include "domains/sender_domain.hpp"

#include <string>
#include <utility>
#include <vector>

namespace herald::domains {

struct check_event {
    std::string type;  // domain.verified, domain.regressed, ...
    std::string detail;
};

struct check_result {
    std::vector<check_event> events;
    std::int64_t next_check_ms = 0;
};

check_result apply_check(sender_domain& d, std::vector<verdict> verdicts, std::int64_t now_ms,
                         const domains_config& cfg);

}  // namespace herald::domains
