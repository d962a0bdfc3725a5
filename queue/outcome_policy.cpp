#include "queue/outcome_policy.hpp"

#include "queue/backoff.hpp"

namespace herald::queue {

std::string excerpt(std::string_view s, std::size_t max) {
    std::string out;
    for (char c : s.substr(0, max))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

std::string quota_tag(const queued_message& m) {
    return m.tenant + "|" + std::to_string(m.payload_bytes);
}

std::string delivered_tag(const queued_message& m, const outcome& o) {
    const bool unknown = o.kind == outcome_kind::unknown;
    return quota_tag(m) + "|" + std::to_string(m.created) + "|" + std::to_string(m.attempt) +
           (unknown ? "|u|" : "|d|") + excerpt(o.detail);
}

std::string dead_tag(std::string_view reason, int attempts, std::string_view detail) {
    return std::string(reason) + "|" + std::to_string(attempts) + "|" + std::string(detail);
}

namespace {

// Not tried: held back like a rate-limited message (no attempt used) until
// the way may be open, plus up to a quarter of the wait again, so messages
// postponed together do not all come back in the same millisecond.
settle_record postpone(const queued_message& m, const outcome& o, millis now,
                       std::mt19937_64& rng) {
    const millis until = std::max(o.retry_at.value_or(now), now);
    std::uniform_int_distribution<millis> spread(0, (until - now) / 4);
    const millis due = until + spread(rng);
    if (due >= m.expires)
        return {settle_record::kind::dead, m.entry_id, m.id.str(),
                dead_tag("expired", m.attempt,
                         "max age reached while " + o.code + ": " + excerpt(o.detail))};
    return {settle_record::kind::limited, m.entry_id, m.id.str(),
            std::to_string(due) + "|" + o.code};
}

}  // namespace

settle_record decide(const queued_message& m, const outcome& o, const retry_policy& p, millis now,
                     std::mt19937_64& rng) {
    const std::string id = m.id.str();
    switch (o.kind) {
        case outcome_kind::unknown:
        case outcome_kind::delivered:
            return {settle_record::kind::delivered, m.entry_id, id, delivered_tag(m, o)};
        case outcome_kind::bounced:
            return {settle_record::kind::dead, m.entry_id, id,
                    dead_tag("bounced", m.attempt + (o.used_attempt ? 1 : 0),
                             o.code + " " + excerpt(o.detail))};
        case outcome_kind::deferred:
            break;
    }
    if (!o.used_attempt) return postpone(m, o, now, rng);
    const int attempt = m.attempt + 1;
    const std::string line = std::to_string(now) + " " + o.code + " " + excerpt(o.detail);
    if (attempt >= p.max_attempts)
        return {settle_record::kind::dead, m.entry_id, id,
                dead_tag("attempts_exhausted", attempt, line)};
    const millis due =
        o.retry_at.value_or(now + backoff_delay(attempt, p.backoff_base_ms, p.backoff_cap_ms, rng));
    if (due >= m.expires)
        return {
            settle_record::kind::dead, m.entry_id, id,
            dead_tag("expired", attempt, "max age reached before the next attempt; last: " + line)};
    return {settle_record::kind::deferred, m.entry_id, id, std::to_string(due) + "|" + line};
}

}  // namespace herald::queue
