#include "queue/keys.hpp"

#include "queue/contract.hpp"

#include <boost/crc.hpp>

namespace herald::queue {

std::uint32_t shard_of(std::string_view tenant, std::uint32_t shards) {
    boost::crc_32_type crc;
    crc.process_bytes(tenant.data(), tenant.size());
    return crc.checksum() % shards;
}

std::string shard_prefix(std::uint32_t shard) {
    return "hd:{s" + std::to_string(shard) + "}";
}

std::string ingress_key(std::uint32_t shard, channel ch) {
    return shard_prefix(shard) + std::string(key_suffix("ingress")) + std::string(to_string(ch));
}

std::string dead_key(std::uint32_t shard) {
    return shard_prefix(shard) + std::string(key_suffix("dead"));
}

std::string meta_key(std::uint32_t shard) {
    return shard_prefix(shard) + std::string(key_suffix("meta"));
}

std::string events_maxlen() {
    return std::to_string(contract::events_max);
}

std::string events_key(std::uint32_t shard) {
    return shard_prefix(shard) + std::string(key_suffix("events"));
}

std::string tenant_key(std::uint32_t shard, std::string_view tenant) {
    return shard_prefix(shard) + std::string(key_suffix("tenant")) + std::string(tenant);
}

std::string stat_key(std::uint32_t shard, std::string_view tenant, std::int64_t day) {
    return shard_prefix(shard) + std::string(key_suffix("stat")) + std::string(tenant) + ":" +
           std::to_string(day);
}

std::string breaker_index_key(std::uint32_t shard, std::string_view tenant) {
    return shard_prefix(shard) + std::string(key_suffix("breakers")) + std::string(tenant);
}

std::string sent_key(std::uint32_t shard, std::string_view message_id) {
    return shard_prefix(shard) + std::string(key_suffix("sent")) + std::string(message_id);
}

std::string suppression_key(std::uint32_t shard, std::string_view tenant,
                            std::string_view recipient) {
    return shard_prefix(shard) + std::string(key_suffix("suppression")) + std::string(tenant) +
           ":" + std::string(recipient);
}

std::string tenant_api_keys_key(std::uint32_t shard, std::string_view tenant) {
    return shard_prefix(shard) + std::string(key_suffix("api_keys")) + std::string(tenant);
}

// A request names its key, not its tenant: the lookup by digest cannot
// know the shard, so every key's digest lives in one slot of its own.
std::string domain_key(std::uint32_t shard, std::string_view tenant, std::string_view domain) {
    return shard_prefix(shard) + std::string(key_suffix("domain")) + std::string(tenant) + ":" +
           std::string(domain);
}

std::string senders_key(std::uint32_t shard, std::string_view tenant) {
    return shard_prefix(shard) + std::string(key_suffix("senders")) + std::string(tenant);
}

std::string domain_checks_key(std::uint32_t shard) {
    return shard_prefix(shard) + std::string(key_suffix("domain_checks"));
}

std::string receipt_key(std::uint32_t shard, std::string_view id) {
    return shard_prefix(shard) + std::string(key_suffix("receipt")) + std::string(id);
}

std::string rates_key(std::uint32_t shard, std::int64_t second) {
    return shard_prefix(shard) + std::string(key_suffix("rates")) + std::to_string(second);
}

std::string domain_lease_key(std::uint32_t shard, std::string_view tenant,
                             std::string_view domain) {
    return shard_prefix(shard) + std::string(key_suffix("domain_lease")) + std::string(tenant) +
           ":" + std::string(domain);
}

std::string api_keys_key() {
    return "hd:{a}:keys";
}

std::string suppression_index_key(std::uint32_t shard, std::string_view tenant) {
    return shard_prefix(shard) + std::string(key_suffix("suppressions")) + std::string(tenant);
}

std::string status_key(std::uint32_t shard, std::string_view message_id) {
    return shard_prefix(shard) + std::string(key_suffix("status")) + std::string(message_id);
}

namespace {
std::string tenant_part(std::uint32_t shard, std::string_view name, std::string_view tenant) {
    std::string k = shard_prefix(shard);
    k += name;
    k += tenant;
    return k;
}
std::string endpoint_part(std::uint32_t shard, std::string_view name, std::string_view tenant,
                          std::string_view endpoint) {
    std::string k = tenant_part(shard, name, tenant);
    k += ':';
    k += endpoint;
    return k;
}
}  // namespace

std::string webhooks_key(std::uint32_t shard, std::string_view tenant) {
    return tenant_part(shard, key_suffix("webhooks"), tenant);
}

std::string webhook_queue_key(std::uint32_t shard, std::string_view tenant,
                              std::string_view endpoint) {
    return endpoint_part(shard, key_suffix("webhook_queue"), tenant, endpoint);
}

std::string webhook_batches_key(std::uint32_t shard, std::string_view tenant,
                                std::string_view endpoint) {
    return endpoint_part(shard, key_suffix("webhook_batches"), tenant, endpoint);
}

std::string webhook_lease_key(std::uint32_t shard, std::string_view tenant,
                              std::string_view endpoint) {
    return endpoint_part(shard, key_suffix("webhook_lease"), tenant, endpoint);
}

std::string webhook_due_key(std::uint32_t shard) {
    return shard_prefix(shard) + std::string(key_suffix("webhook_due"));
}

std::string webhook_dead_key(std::uint32_t shard, std::string_view tenant) {
    return tenant_part(shard, key_suffix("webhook_dead"), tenant);
}

std::string webhook_dead_batches_key(std::uint32_t shard, std::string_view tenant) {
    return tenant_part(shard, key_suffix("webhook_dead_batches"), tenant);
}

std::string webhook_stats_key(std::uint32_t shard, std::string_view tenant) {
    return tenant_part(shard, key_suffix("webhook_stats"), tenant);
}

// Tenants are not a shard's: the registry lists all of them in one key.
std::string tenants_key() {
    return "hd:{t}:tenants";
}

// Destination domains are shared by every tenant, so their keys live in a
// slot of their own per domain ({d:<domain>}), not in a tenant's shard.
std::string domain_limit_key(std::string_view domain) {
    return "hd:{d:" + std::string(domain) + "}:limit";
}

std::string domain_rate_key(std::string_view domain) {
    return "hd:{d:" + std::string(domain) + "}:rl";
}

// SMS providers too ({p:<name>}): every tenant's messages share one account.
std::string provider_rate_key(std::string_view provider) {
    return "hd:{p:" + std::string(provider) + "}:rl";
}

std::string limited_domains_key() {
    return "hd:{d}:limited";
}

std::string destination_health_key(std::string_view destination) {
    return "hd:{h:" + std::string(destination) + "}:health";
}

}  // namespace herald::queue
