// Where sender domains live in Redis (queue/keys.hpp): one hash per tenant
// and domain, `hd:{sN}:dom:<t>:<d>`, holding
//
//   doc        the domain as JSON (domains/sender_domain.hpp), no secrets
//   key:<sel>  a selector's private key, sealed (domains/sealed_key.hpp)
//   v          bumped by every write, so signers reload only on change
//
// plus the state admission reads (domains/sender_state.hpp) and the
// shard's schedule of checks, `hd:{sN}:domchk`. The tenant's published
// states are also its list of domains, capped at domains.max_per_tenant.
//
// Writes go record first, then the published state (removal the other way
// round): a crash between the two leaves a record that the next check
// publishes again, never a published state without its record.
//
// Errors: queue_errc for Redis trouble; domain_exists, domain_not_found,
// domain_limit as the calls say.
#pragma once

#include "core/error.hpp"
#include "domains/sender_domain.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <map>
#include <optional>

namespace herald::domains {

struct due_check {
    std::string tenant, domain;
};

class store {
public:
    store(redis::client& redis, std::uint32_t shards) : redis_(redis), shards_(shards) {}

    using sealed_keys = std::map<std::string, std::string>;  // selector -> sealed key

    // A new domain with its keys; refused if the tenant has it or has
    // `max_domains` already. Its first check is due at once.
    boost::asio::awaitable<result<void>> create(const sender_domain& d, const sealed_keys& keys,
                                                std::uint32_t max_domains);
    // Writes the document, adds `keys`, drops the keys of selectors the
    // document no longer has, publishes the state, schedules the next
    // check at `next_check_ms` (0: none).
    boost::asio::awaitable<result<void>> save(const sender_domain& d, const sealed_keys& keys,
                                              std::int64_t next_check_ms);
    boost::asio::awaitable<result<std::optional<sender_domain>>> find(std::string_view tenant,
                                                                      std::string_view domain);
    // The tenant's domains with their published states, by name.
    boost::asio::awaitable<result<std::map<std::string, std::string>>> list(
        std::string_view tenant);
    // The sealed key of `selector`; empty when the domain or the key is gone.
    boost::asio::awaitable<result<std::string>> sealed_key(std::string_view tenant,
                                                           std::string_view domain,
                                                           std::string_view selector);
    boost::asio::awaitable<result<std::int64_t>> version(std::string_view tenant,
                                                         std::string_view domain);
    // False when there was nothing to remove.
    boost::asio::awaitable<result<bool>> remove(std::string_view tenant, std::string_view domain);

    // Checks of `shard` due by `now_ms`, at most `limit`.
    boost::asio::awaitable<result<std::vector<due_check>>> due(std::uint32_t shard,
                                                               std::int64_t now_ms,
                                                               std::size_t limit);
    // A short lease on one domain's check, so one checker does it.
    boost::asio::awaitable<result<bool>> lease_check(const due_check& c, std::string_view holder,
                                                     std::uint32_t ms);
    // Done: the next check (rescheduled by save) is anyone's again; with
    // `forget`, there is none (the domain is gone).
    boost::asio::awaitable<void> release_check(const due_check& c, bool forget = false);

    std::uint32_t shards() const noexcept { return shards_; }

private:
    redis::client& redis_;
    std::uint32_t shards_;
};

}  // namespace herald::domains
