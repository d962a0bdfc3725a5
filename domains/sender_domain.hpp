// A tenant's sender domain as herald keeps it: the ownership token, the
// DKIM keys by selector (public halves only: the private ones are sealed
// apart, domains/sealed_key.hpp), its state and the verdicts of its last
// check. One JSON document in Redis (domains/store.hpp).
//
// States: pending (added, not yet verified) -> verified (ownership, SPF
// and DKIM pass) -> regressed (a recheck failed: still sending until
// block_at, domains.grace_h later) -> failed (blocked until it verifies
// again). Only verified and regressed-before-block_at may send.
//
// Selectors: one active key signs; a rotation adds a `next` key, which
// becomes active once its record verifies, and the old one `retiring`
// until retire_at (published and verifiable, no longer signing).
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "dkim/key.hpp"
#include "domains/verdict.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

enum class domain_state { pending, verified, regressed, failed };
std::string_view to_string(domain_state s) noexcept;

enum class key_role { active, next, retiring };
std::string_view to_string(key_role r) noexcept;

struct dkim_selector {
    std::string name;  // hd202611a
    dkim::dkim_algorithm algorithm = dkim::dkim_algorithm::rsa_sha256;
    key_role role = key_role::active;
    std::string record;  // the TXT value to publish ("v=DKIM1; k=rsa; p=...")
    std::int64_t created_ms = 0;
    std::int64_t retire_at_ms = 0;  // retiring: removed after this
};

struct sender_domain {
    std::string tenant;
    std::string name;     // A-label, lower case
    std::string unicode;  // as the tenant wrote it (may be a U-label)
    std::string token;    // the ownership token of _herald.<name>
    domain_state state = domain_state::pending;
    std::int64_t created_ms = 0, verified_ms = 0, checked_ms = 0;
    std::int64_t regressed_ms = 0, block_at_ms = 0;
    std::vector<dkim_selector> selectors;
    std::vector<verdict> verdicts;  // of the last check

    // What admission reads (domains/sender_state.hpp): "verified",
    // "regressed:<block_at_ms>", or the state's name (refused).
    std::string published_state() const;
    bool may_send(std::int64_t now_ms) const noexcept;
    const dkim_selector* selector(std::string_view name) const noexcept;
};

boost::json::value to_json(const sender_domain& d);
result<sender_domain> sender_domain_from_json(std::string_view text);

// "hd" + the year and month of `now` + a letter: the first letter that no
// selector of `taken` uses (hd202611a, hd202611b, ...).
std::string next_selector_name(std::int64_t now_ms, const std::vector<dkim_selector>& taken);

// A domain name a tenant may send from: libidn2's A-label, lower case, at
// least two labels, not an address literal. invalid_domain otherwise.
result<std::string> sender_domain_name(std::string_view text);

}  // namespace herald::domains
