// What happens to a message after its transport answered: all of the
// queue's failure policy in one place, as a pure function (no I/O, no
// clock of its own), so every branch is a table row in a test.
//
//   delivered, unknown  -> delivered (unknown: the peer may have it; never
//                          resent blindly, see DESIGN.md), with the peer's
//                          reply (unknown: what is known) for the status
//   bounced             -> dead-lettered, reason "bounced"
//   deferred, not tried -> held back to its retry_at (plus up to a quarter
//                          of the wait) without using an attempt, like a
//                          rate-limited message (outcome::postponed)
//   deferred            -> retried at the transport's retry_at, else after
//                          the backoff schedule (queue/backoff.hpp); dead-lettered instead
//                          once out of attempts ("attempts_exhausted") or
//                          when the retry would fall past the max age
//                          ("expired")
#pragma once

#include "core/transport.hpp"
#include "queue/settler.hpp"
#include "queue/stream_entry.hpp"

#include <random>

namespace herald::queue {

struct retry_policy {
    int max_attempts = 50;
    millis backoff_base_ms = 60'000;
    millis backoff_cap_ms = 14'400'000;
};

settle_record decide(const queued_message& m, const outcome& o, const retry_policy& p, millis now,
                     std::mt19937_64& rng);

// What admission charged for `m` ("<tenant>|<bytes>"): released when it leaves.
std::string quota_tag(const queued_message& m);
// A delivery's settle record: the charge, then what the delivered marker
// keeps for the message's status ("<admitted>|<attempts>|<d or u>|<reply>",
// the reply an excerpt of at most 200 bytes).
std::string delivered_tag(const queued_message& m, const outcome& o);
// A dead letter's: "<reason>|<failed attempts>|<detail>".
std::string dead_tag(std::string_view reason, int attempts, std::string_view detail);

// A printable, bounded excerpt of a peer's or parser's words, for history
// lines and dead letters: they end up in logs and dashboards.
std::string excerpt(std::string_view s, std::size_t max = 200);

}  // namespace herald::queue
