#include "domains/service.hpp"

#include "core/message.hpp"
#include "domains/check.hpp"
#include "domains/describe.hpp"
#include "domains/errors.hpp"
#include "domains/sealed_key.hpp"
#include "domains/verifier.hpp"
#include "queue/events.hpp"
#include "queue/keys.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace herald::domains {

namespace asio = boost::asio;

namespace {

// 128 random bits in hex: the _herald.<domain> token, unguessable, so
// nobody proves a domain by guessing what its owner would publish.
std::string new_token() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : raw) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

}  // namespace

service::service(redis::client& redis, const config& cfg, result<master_key> mk,
                 dns::resolver* resolver)
    : redis_(redis),
      cfg_(cfg),
      master_key_(std::move(mk)),
      resolver_(resolver),
      store_(redis, cfg.queue.shards) {}

result<dkim_selector> service::make_key(const sender_domain& d, dkim::dkim_algorithm alg,
                                        key_role role, std::int64_t now_ms,
                                        store::sealed_keys& keys) {
    if (!master_key_) return master_key_.error();
    auto key = dkim::dkim_key::generate(alg);
    if (!key) return key.error();
    dkim_selector s;
    auto taken = d.selectors;
    for (const auto& [name, sealed] : keys)
        taken.push_back({.name = name});
    s.name = next_selector_name(now_ms, taken);
    s.algorithm = alg;
    s.role = role;
    s.record = (*key)->dns_record();
    s.created_ms = now_ms;
    keys[s.name] = seal(*master_key_, {d.tenant, d.name, s.name}, (*key)->pem());
    return s;
}

asio::awaitable<result<sender_domain>> service::add(std::string_view tenant, std::string_view name,
                                                    add_options opt, std::int64_t now_ms) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto ascii = sender_domain_name(name);
    if (!ascii) co_return ascii.error();
    if (!master_key_) co_return master_key_.error();
    sender_domain d;
    d.tenant = tenant;
    d.name = *ascii;
    d.unicode = name;
    d.token = new_token();
    d.created_ms = now_ms;
    store::sealed_keys keys;
    for (auto alg : {dkim::dkim_algorithm::rsa_sha256, dkim::dkim_algorithm::ed25519_sha256}) {
        if (alg == dkim::dkim_algorithm::ed25519_sha256 && !opt.ed25519) continue;
        auto s = make_key(d, alg, key_role::active, now_ms, keys);
        if (!s) co_return s.error();
        d.selectors.push_back(std::move(*s));
    }
    // The records must be makeable from the config before anything is kept.
    if (auto records = records_of(d, cfg_.domains); !records) co_return records.error();
    if (auto ok = co_await store_.create(d, keys, cfg_.domains.max_per_tenant); !ok)
        co_return ok.error();
    co_return d;
}

asio::awaitable<result<sender_domain>> service::existing(std::string_view tenant,
                                                         std::string_view name) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto ascii = sender_domain_name(name);
    if (!ascii) co_return ascii.error();
    auto found = co_await store_.find(tenant, *ascii);
    if (!found) co_return found.error();
    if (!*found)
        co_return make_error(domain_errc::domain_not_found,
                             std::string(tenant) + " has no domain " + *ascii);
    co_return std::move(**found);
}

asio::awaitable<result<sender_domain>> service::show(std::string_view tenant,
                                                     std::string_view name) {
    co_return co_await existing(tenant, name);
}

asio::awaitable<result<std::map<std::string, std::string>>> service::list(std::string_view tenant) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    co_return co_await store_.list(tenant);
}

asio::awaitable<result<sender_domain>> service::verify(std::string_view tenant,
                                                       std::string_view name, std::int64_t now_ms) {
    auto d = co_await existing(tenant, name);
    if (!d) co_return d;
    if (!resolver_) co_return make_error(errc::internal, "verify needs a resolver");
    auto verdicts = co_await verify_records(*resolver_, *d, cfg_.domains);
    const auto changed = apply_check(*d, std::move(verdicts), now_ms, cfg_.domains);
    if (auto ok = co_await store_.save(*d, {}, changed.next_check_ms); !ok) co_return ok.error();
    if (!changed.events.empty()) {
        const auto shard = queue::shard_of(d->tenant, cfg_.queue.shards);
        std::vector<redis::command> events;
        for (const auto& e : changed.events)
            events.push_back(queue::event_command(shard, e.type, d->tenant,
                                                  {{"domain", d->name}, {"detail", e.detail}}));
        // The state is saved: a lost event is logged by the caller's logs,
        // not worth failing the check for.
        co_await redis_.pipeline(std::move(events));
    }
    co_return d;
}

asio::awaitable<result<sender_domain>> service::rotate(std::string_view tenant,
                                                       std::string_view name, std::int64_t now_ms) {
    auto d = co_await existing(tenant, name);
    if (!d) co_return d;
    for (const auto& s : d->selectors)
        if (s.role == key_role::next)
            co_return make_error(
                domain_errc::rotation_pending,
                d->name + " is rotating already: publish selector " + s.name + " and verify");
    store::sealed_keys keys;
    std::vector<dkim_selector> added;
    for (const auto& s : d->selectors) {
        if (s.role != key_role::active) continue;
        auto made = make_key(*d, s.algorithm, key_role::next, now_ms, keys);
        if (!made) co_return made.error();
        added.push_back(std::move(*made));
    }
    for (auto& s : added)
        d->selectors.push_back(std::move(s));
    if (auto ok = co_await store_.save(*d, keys, now_ms); !ok) co_return ok.error();
    co_return d;
}

asio::awaitable<result<void>> service::remove(std::string_view tenant, std::string_view name) {
    if (auto ok = validate_tenant(tenant); !ok) co_return ok.error();
    auto ascii = sender_domain_name(name);
    if (!ascii) co_return ascii.error();
    auto gone = co_await store_.remove(tenant, *ascii);
    if (!gone) co_return gone.error();
    if (!*gone)
        co_return make_error(domain_errc::domain_not_found,
                             std::string(tenant) + " has no domain " + *ascii);
    co_return result<void>{};
}

}  // namespace herald::domains
