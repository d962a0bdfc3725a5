// A tenant's sender domains, as the CLI (`herald domain`) and the HTTP API
// (/v1/domains) offer them: add, show, list, verify, rotate, remove. Both
// doors only call this; the records to publish come from
// domains/publish.hpp, the verdicts from domains/verifier.hpp, the state
// changes from domains/check.hpp.
//
//   domains::service s(redis, cfg, master_key::load(...), &resolver);
//   auto d = co_await s.add("acme", "mail.acme.example", {}, now);
//
// Errors: domain_errc (invalid_domain, domain_exists, domain_not_found,
// no_master_key, ...), errc::domain_limit, invalid_message for a bad
// tenant id, queue_errc for Redis. Without a master key, only add and
// rotate refuse: the others never touch a private key.
#pragma once

#include "core/config.hpp"
#include "dns/resolver.hpp"
#include "domains/master_key.hpp"
#include "domains/sender_domain.hpp"
#include "domains/store.hpp"

#include <optional>

namespace herald::domains {

struct add_options {
    bool ed25519 = false;  // a second key, Ed25519 (RFC 8463), beside RSA-2048
};

class service {
public:
    // `mk`: the master key, or why there is none (kept for add/rotate's
    // error). `resolver`: for verify; may be null where nothing verifies.
    service(redis::client& redis, const config& cfg, result<master_key> mk,
            dns::resolver* resolver);

    boost::asio::awaitable<result<sender_domain>> add(std::string_view tenant,
                                                      std::string_view name, add_options opt,
                                                      std::int64_t now_ms);
    boost::asio::awaitable<result<sender_domain>> show(std::string_view tenant,
                                                       std::string_view name);
    // name -> published state ("verified", "pending", "regressed:<ms>", ...)
    boost::asio::awaitable<result<std::map<std::string, std::string>>> list(
        std::string_view tenant);
    // Asks DNS now, applies the verdicts (domains/check.hpp), saves, and
    // writes the state's events to the tenant's shard.
    boost::asio::awaitable<result<sender_domain>> verify(std::string_view tenant,
                                                         std::string_view name,
                                                         std::int64_t now_ms);
    // A new key per active algorithm under new selectors, published beside
    // the current ones; signing moves to them once their records verify.
    boost::asio::awaitable<result<sender_domain>> rotate(std::string_view tenant,
                                                         std::string_view name,
                                                         std::int64_t now_ms);
    boost::asio::awaitable<result<void>> remove(std::string_view tenant, std::string_view name);

    store& records() noexcept { return store_; }

private:
    boost::asio::awaitable<result<sender_domain>> existing(std::string_view tenant,
                                                           std::string_view name);
    result<dkim_selector> make_key(const sender_domain& d, dkim::dkim_algorithm alg, key_role role,
                                   std::int64_t now_ms, store::sealed_keys& keys);

    redis::client& redis_;
    const config& cfg_;
    result<master_key> master_key_;
    dns::resolver* resolver_;
    store store_;
};

}  // namespace herald::domains
