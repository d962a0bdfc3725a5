// The Redis contract's shape, written once: what the C++ callers send and
// what the Lua functions expect. app/schema_gen writes these values, the
// guards' setting tables and the guard chain into schema.lua, the first
// fragment after the prelude, so the Lua side reads them from there and
// never spells them itself; tests/queue/contract_test checks both sides.
//
// A change to any layout bumps `protocol`: a process refuses to replace a
// library of a newer protocol than its own (queue/library.cpp).
#pragma once

#include "queue/redis_reply.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::queue::contract {

// 3: settle's D and X records carry what the status record keeps
// (queue/settler.hpp), promote takes the status record's TTL.
// 4: herald_admit_batch items carry the producer's From domain; the
// sender_domain guard (domains/lua/sender_domain.lua) joins the chain.
// 5: herald_status answers the SMS receipt's provider, provider_id and code
// after its fixed fields; herald_sms_receipt (sms/lua/receipt.lua).
// 6: the segments guard (ratelimit/lua/units.lua) joins the chain.
// 7: per-message events and live-rate buckets (ops/lua/rates.lua); events
// carry `ts` (was `at`) and the message `id` before their own fields.
inline constexpr int protocol = 7;

// Arguments per item of the functions that take many.
// herald_admit_batch: tenant channel payload hash idem token recipients from_domain
inline constexpr int admit_fields = 8;
inline constexpr int claim_fields = 5;   // herald_claim: id tenant channel units sender
inline constexpr int settle_fields = 4;  // herald_settle: kind entry id extra
inline constexpr int renew_fields = 3;   // herald_renew: channel entry id

// XADD ... MAXLEN ~ of every events stream.
inline constexpr std::uint32_t events_max = 10000;

// How long a second's live-rate bucket (hd:{sN}:rates:<s>) is kept: the
// longest window GET /v1/stats/rates answers, and a minute to spare.
inline constexpr std::uint32_t rates_keep_s = 960;
inline constexpr std::uint32_t rates_window_max_s = 900;

// Upper bounds (ms) of the enqueue-to-delivered latency buckets counted
// per second beside the rates; one more bucket holds what is longer.
inline constexpr std::array<std::uint32_t, 16> latency_bounds_ms{
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000};

// Charged to the storage quota per queued message beside its payload, and
// released with it: what a message may keep in Redis besides its entry
// while it is queued (its status record once retried or requeued, measured
// with MEMORY USAGE; see README "What a message costs").
inline constexpr std::uint32_t message_overhead_bytes = 128;

// How long a paused tenant's message is held back before the claim looks
// again: resuming takes effect within it; each look costs a claim, a
// settle and a promote per message.
inline constexpr std::uint32_t pause_wait_ms = 3000;

// Suppressed recipients per tenant (a bounce past it is not suppressed,
// and logged); tenants in the registry.
inline constexpr std::uint32_t suppressions_max = 100000;
inline constexpr std::uint32_t tenants_max = 100000;

// Dead-letter entries one call looks at (list, purge, and the search for a
// dead letter whose status record has expired): bounds one call's time.
inline constexpr std::uint32_t dead_scan = 1000;

// The admission guards in the order they run, cheapest and most decisive
// first: a refused message must not be charged by a later guard. The
// sender domain comes after idempotency (a replay of an accepted message
// is still answered as one) and before the breakers, which count every
// message offered; so does an SMS of too many segments.
inline constexpr std::array<std::string_view, 8> chain{"pressure", "idempotency", "sender_domain",
                                                       "segments", "breaker",     "dedupe",
                                                       "quota",    "storage"};

// Fields of hd:{sN}:meta that herald writes itself (queue/library.cpp, the
// watermark watcher) and the functions read like settings.
inline constexpr std::array<std::string_view, 7> meta_fields{
    "shard",          "shards",         "max_bytes",      "max_age_ms",
    "max_recipients", "pressure_until", "pressure_reason"};

// Appends one item of a many-item call; the compiler checks that the C++
// side sends exactly the contract's number of fields.
template <int Fields, class... Args>
void append_item(redis::command& c, Args&&... fields) {
    static_assert(sizeof...(Args) == Fields, "an item's fields must match queue/contract.hpp");
    (c.emplace_back(std::forward<Args>(fields)), ...);
}

}  // namespace herald::queue::contract
