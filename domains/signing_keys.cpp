#include "domains/signing_keys.hpp"

#include "domains/sealed_key.hpp"

#include <openssl/crypto.h>

namespace herald::domains {

namespace asio = boost::asio;

namespace {

constexpr std::size_t k_max_entries = 10000;

}  // namespace

signing_keys::signing_keys(redis::client& redis, std::uint32_t shards, result<master_key> mk,
                           const clock& clk, std::chrono::milliseconds refresh)
    : store_(redis, shards), master_key_(std::move(mk)), clock_(clk), refresh_(refresh) {}

asio::awaitable<result<dkim::tenant_keys>> signing_keys::keys_for(std::string_view tenant,
                                                                  std::string_view domain) {
    const millis now = clock_.now_ms();
    std::string id = std::string(tenant) + " " + std::string(domain);
    auto it = cache_.find(id);
    if (it != cache_.end() && now - it->second.checked < refresh_.count())
        co_return it->second.keys;
    auto version = co_await store_.version(tenant, domain);
    if (!version) co_return version.error();
    if (it != cache_.end() && it->second.version == *version) {
        it->second.checked = now;
        co_return it->second.keys;
    }
    auto loaded = co_await load(tenant, domain);
    if (!loaded) co_return loaded.error();
    if (cache_.size() >= k_max_entries) cache_.clear();
    cache_[std::move(id)] = entry{*version, now, *loaded};
    co_return loaded;
}

asio::awaitable<result<dkim::tenant_keys>> signing_keys::load(std::string_view tenant,
                                                              std::string_view domain) {
    ++reloads_;
    dkim::tenant_keys out;
    auto found = co_await store_.find(tenant, domain);
    if (!found) co_return found.error();
    if (!*found) co_return out;  // not a store domain: static keys or unsigned
    const auto& d = **found;
    if (d.state == domain_state::failed) {
        out.may_send = false;
        co_return out;
    }
    if (!d.may_send(clock_.now_ms())) co_return out;
    for (const auto& s : d.selectors) {
        if (s.role != key_role::active) continue;
        if (!master_key_) co_return master_key_.error();
        auto sealed = co_await store_.sealed_key(tenant, domain, s.name);
        if (!sealed) co_return sealed.error();
        auto pem = unseal(*master_key_, {tenant, domain, s.name}, *sealed);
        if (!pem) co_return pem.error();
        auto key = dkim::dkim_key::parse(*pem);
        OPENSSL_cleanse(pem->data(), pem->size());
        if (!key) co_return key.error();
        out.keys.push_back({d.name, s.name, std::move(*key)});
    }
    co_return out;
}

}  // namespace herald::domains
