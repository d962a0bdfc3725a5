// The key scheme. A tenant lives on one shard, chosen by CRC-32 (zlib's,
// so any language can compute it) of the tenant id modulo `shards`. Every
// key of shard N starts with "hd:{sN}": the hash tag puts the whole shard
// in one Redis Cluster slot, so each server-side function touches one slot.
//
//   hd:{sN}:meta          hash    shard number, shard count, limits (set by herald)
//   hd:{sN}:in:<channel>  stream  ingress, consumer group "workers"
//   hd:{sN}:retry         zset    deferred message ids by due time (ms)
//   hd:{sN}:deferred      hash    deferred message id -> its fields (JSON)
//   hd:{sN}:lease:<id>    string  send lease "<holder>|<until>" (service clock), PX max age
//   hd:{sN}:clock         hash    the shard's service clock (queue/lua/lease.lua)
//   hd:{sN}:done:<id>     string  delivered marker "<tenant>|<finished>|<admitted>|<attempts>|
//                                 <d|u>|<reply>", EX delivered_ttl_s
//   hd:{sN}:dead          stream  dead letters, MAXLEN ~ dead_max
//   hd:{sN}:events        stream  every message's transitions and every guard's actions,
//                                 MAXLEN ~ events_max (README "Events")
//   hd:{sN}:rates:<s>     hash    second s's counts "<t>|<channel>|<outcome or latency bucket>"
//                                 (ops/rates.hpp), EX rates_keep_s
//   hd:{sN}:tenant:<t>    hash    a tenant's own settings
//   hd:{sN}:stat:<t>:<d>  hash    a tenant's answers on day d (days since the epoch)
//   hd:{sN}:brks:<t>      zset    the tenant's breaker keys (dedupe/lua/breaker.lua)
//   hd:{sN}:sent:<id>     set     recipients that accepted a message, for its retries
//   hd:{sN}:supp:<t>:<r>  string  a suppressed recipient of the tenant, "<created ms>|<reason>"
//   hd:{sN}:supps:<t>     zset    the tenant's suppressed recipients by expiry (ms), capped
//   hd:{sN}:st:<id>       string  a message's status once it moved or ended (queue/status.hpp)
//   hd:{t}:tenants        set     the tenants ops created (queue/tenants.hpp), capped
//   hd:{sN}:dom:<t>:<d>   hash    a tenant's sender domain d: tokens, sealed keys, verdicts
//                                 (domains/store.hpp), at most domains.max_per_tenant
//   hd:{sN}:senders:<t>   hash    the tenant's domains d -> state, read by admission's guard
//   hd:{sN}:domchk        zset    "<t> <d>" by when the domain is due for its next check
//   hd:{sN}:domlease:<t>:<d> string  the checker holding that check, PX
//   hd:{sN}:rcpt:<id>     hash    an SMS's provider, provider message id and receipt (sms/), EX
//   hd:{sN}:keys:<t>      hash    the tenant's API keys: id -> {name, created, digest}
//   hd:{a}:keys           hash    every API key: SHA-256 digest -> "<tenant> <id>" (api/keys)
//   hd:{d:<domain>}:limit hash    a destination domain's own rate limit
//   hd:{d:<domain>}:rl    string  its GCRA state
//   hd:{d}:limited        set     the domains with a limit of their own
//   hd:{h:<dest>}:health  hash    a destination's health (ratelimit/lua/health.lua), PX
//   hd:{p:<provider>}:rl  string  an SMS provider's GCRA state (sms.providers per_sec)
//   hd:{sN}:whe:<t>       hash    the tenant's webhook endpoints: id -> JSON (ops/webhook_store),
//                                 at most webhooks.max_endpoints
//   hd:{sN}:whq:<t>:<e>   zset    endpoint e's pending batches by due time (ms), capped at
//                                 webhooks.max_pending (the oldest goes to the dead letters)
//   hd:{sN}:whb:<t>:<e>   hash    those batches: id -> "<first try ms>|<attempts>|<body>"
//   hd:{sN}:whl:<t>:<e>   string  the sender holding endpoint e's one request in flight, PX
//   hd:{sN}:whdue         zset    "<t> <e>" by when the endpoint may be claimed next
//   hd:{sN}:whd:<t>       zset    the tenant's dead-lettered batches by death (ms), capped at
//                                 webhooks.dead_max (the oldest dropped, counted)
//   hd:{sN}:whdb:<t>      hash    those batches: id -> JSON (endpoint, reason, body, ...)
//   hd:{sN}:whst:<t>      hash    the tenant's webhook counters (overflowed, dropped)
//
// Every key is built here, from the suffix table below, which app/schema_gen
// writes into the Lua library as K (shard .. K.deferred); no other file
// spells a key. The table and key_suffix() are header-only, for the
// generator.
#pragma once

#include "core/message.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::queue {

inline constexpr std::string_view group_name = "workers";

// Why a kind of key cannot grow without limit; tests/ratelimit/bounds_test
// audits a live keyspace against this column.
enum class key_bound {
    per_shard,     // a fixed number per shard: streams trimmed by MAXLEN, queues
                   // counted under the storage quota, the shard's own hashes
    per_tenant,    // one per tenant (its settings, its storage usage)
    expires,       // every key of the kind has a TTL, set in the call that makes it
    per_endpoint,  // one per webhook endpoint (at most webhooks.max_endpoints a tenant),
                   // each capped (webhooks.max_pending)
};

// Every key of a shard is "hd:{sN}" + a suffix from this table [+ parts].
struct key_name {
    std::string_view name;    // K.<name> in Lua
    std::string_view suffix;  // after "hd:{sN}"
    key_bound bound;
};

// clang-format off
inline constexpr std::array k_key_names{
    key_name{"meta",        ":meta",      key_bound::per_shard},
    key_name{"ingress",     ":in:",       key_bound::per_shard},   // one per channel
    key_name{"retry",       ":retry",     key_bound::per_shard},
    key_name{"deferred",    ":deferred",  key_bound::per_shard},
    key_name{"clock",       ":clock",     key_bound::per_shard},
    key_name{"dead",        ":dead",      key_bound::per_shard},
    key_name{"events",      ":events",    key_bound::per_shard},
    key_name{"tenant",      ":tenant:",   key_bound::per_tenant},
    key_name{"usage",       ":usage:",    key_bound::per_tenant},
    key_name{"lease",       ":lease:",    key_bound::expires},
    key_name{"done",        ":done:",     key_bound::expires},
    key_name{"stat",        ":stat:",     key_bound::expires},
    key_name{"breaker",     ":brk:",      key_bound::expires},
    key_name{"breakers",    ":brks:",     key_bound::expires},
    key_name{"counters",    ":cnt:",      key_bound::expires},
    key_name{"rate",        ":rate:",     key_bound::expires},
    key_name{"idempotency", ":idem:",     key_bound::expires},
    key_name{"dedupe",      ":dd:",       key_bound::expires},
    key_name{"limiter",     ":rl:",       key_bound::expires},
    key_name{"quota",       ":quota:",    key_bound::expires},
    key_name{"sent",        ":sent:",     key_bound::expires},
    key_name{"suppression", ":supp:",     key_bound::expires},
    key_name{"api_keys",    ":keys:",     key_bound::per_tenant},  // capped (api/keys.hpp)
    key_name{"suppressions", ":supps:",   key_bound::expires},     // and capped
    key_name{"status",      ":st:",       key_bound::expires},
    key_name{"domain",      ":dom:",      key_bound::per_tenant},  // capped (domains/store.hpp)
    key_name{"senders",     ":senders:",  key_bound::per_tenant},
    key_name{"domain_checks", ":domchk",  key_bound::per_shard},
    key_name{"domain_lease", ":domlease:", key_bound::expires},
    key_name{"receipt",     ":rcpt:",     key_bound::expires},
    key_name{"rates",       ":rates:",    key_bound::expires},
    key_name{"webhooks",    ":whe:",      key_bound::per_tenant},   // capped (max_endpoints)
    key_name{"webhook_queue", ":whq:",    key_bound::per_endpoint},
    key_name{"webhook_batches", ":whb:",  key_bound::per_endpoint},
    key_name{"webhook_lease", ":whl:",    key_bound::expires},
    key_name{"webhook_due", ":whdue",     key_bound::per_shard},    // one member per endpoint
    key_name{"webhook_dead", ":whd:",     key_bound::per_tenant},   // capped (dead_max)
    key_name{"webhook_dead_batches", ":whdb:", key_bound::per_tenant},  // capped (dead_max)
    key_name{"webhook_stats", ":whst:",   key_bound::per_tenant},   // fixed fields
};
// clang-format on

// The suffix of key `name`; a name not in the table does not compile.
consteval std::string_view key_suffix(std::string_view name) {
    for (const auto& k : k_key_names)
        if (k.name == name) return k.suffix;
    throw "unknown key name";
}

std::uint32_t shard_of(std::string_view tenant, std::uint32_t shards);
std::string shard_prefix(std::uint32_t shard);
std::string ingress_key(std::uint32_t shard, channel ch);
std::string dead_key(std::uint32_t shard);
std::string meta_key(std::uint32_t shard);
std::string events_key(std::uint32_t shard);
std::string tenant_key(std::uint32_t shard, std::string_view tenant);
std::string stat_key(std::uint32_t shard, std::string_view tenant, std::int64_t day);
std::string breaker_index_key(std::uint32_t shard, std::string_view tenant);
std::string sent_key(std::uint32_t shard, std::string_view message_id);
std::string suppression_key(std::uint32_t shard, std::string_view tenant,
                            std::string_view recipient);
std::string suppression_index_key(std::uint32_t shard, std::string_view tenant);
std::string status_key(std::uint32_t shard, std::string_view message_id);
std::string domain_limit_key(std::string_view domain);
std::string domain_rate_key(std::string_view domain);
std::string limited_domains_key();
// An SMS provider's rate limit (GCRA in segments), shared by every worker.
std::string provider_rate_key(std::string_view provider);
// The API keys of a tenant, and of everyone by digest (api/keys.hpp).
std::string tenant_api_keys_key(std::uint32_t shard, std::string_view tenant);
std::string api_keys_key();
// A tenant's sender domains (domains/store.hpp): one domain's record, the
// states admission reads, the shard's due checks and a check's lease.
std::string domain_key(std::uint32_t shard, std::string_view tenant, std::string_view domain);
std::string senders_key(std::uint32_t shard, std::string_view tenant);
std::string domain_checks_key(std::uint32_t shard);
std::string domain_lease_key(std::uint32_t shard, std::string_view tenant, std::string_view domain);
std::string receipt_key(std::uint32_t shard, std::string_view id);
std::string rates_key(std::uint32_t shard, std::int64_t second);
// Webhooks (ops/webhook_store.hpp): a tenant's endpoints, one endpoint's
// pending batches (queue, bodies, sender lease), the shard's due endpoints,
// the tenant's dead-lettered batches and its counters.
std::string webhooks_key(std::uint32_t shard, std::string_view tenant);
std::string webhook_queue_key(std::uint32_t shard, std::string_view tenant,
                              std::string_view endpoint);
std::string webhook_batches_key(std::uint32_t shard, std::string_view tenant,
                                std::string_view endpoint);
std::string webhook_lease_key(std::uint32_t shard, std::string_view tenant,
                              std::string_view endpoint);
std::string webhook_due_key(std::uint32_t shard);
std::string webhook_dead_key(std::uint32_t shard, std::string_view tenant);
std::string webhook_dead_batches_key(std::uint32_t shard, std::string_view tenant);
std::string webhook_stats_key(std::uint32_t shard, std::string_view tenant);
// The tenant registry: global, so in a slot of its own ({t}).
std::string tenants_key();
// A delivery destination ("mx1.example.net:25"): its own hash tag.
std::string destination_health_key(std::string_view destination);

// The events stream's approximate cap (XADD ... MAXLEN ~), for every writer.
std::string events_maxlen();

}  // namespace herald::queue
