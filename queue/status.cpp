#include "queue/status.hpp"

#include "queue/errors.hpp"
#include "queue/function_call.hpp"
#include "queue/keys.hpp"

namespace herald::queue {

std::string_view to_string(message_state s) noexcept {
    switch (s) {
        case message_state::queued:
            return "queued";
        case message_state::in_flight:
            return "in_flight";
        case message_state::deferred:
            return "deferred";
        case message_state::delivered:
            return "delivered";
        case message_state::bounced:
            return "bounced";
        case message_state::dead:
            return "dead";
        case message_state::unknown:
            return "unknown";
        case message_state::expired:
            return "expired";
        case message_state::sent:
            return "sent";
        case message_state::undelivered:
            return "undelivered";
        case message_state::failed:
            return "failed";
    }
    return "unknown";
}

namespace {

// The state a dead letter's reason means.
message_state state_of_dead_reason(std::string_view reason) noexcept {
    if (reason == "bounced") return message_state::bounced;
    if (reason == "expired") return message_state::expired;
    return message_state::dead;
}

std::optional<message_state> state_named(std::string_view s, std::string_view reason) {
    if (s == "ended") return state_of_dead_reason(reason);
    for (auto st : {message_state::queued, message_state::in_flight, message_state::deferred,
                    message_state::delivered, message_state::unknown, message_state::sent,
                    message_state::undelivered, message_state::failed})
        if (to_string(st) == s) return st;
    return std::nullopt;
}

// {state, admitted, attempts, next, finished, reply, reason, detail, provider,
//  provider_id, code, history...}
result<message_status> decode(const redis::reply& r, std::string_view tenant,
                              const message_id& id) {
    constexpr std::size_t fixed = 11;
    if (r.size() < fixed) return make_error(queue_errc::protocol, "short herald_status answer");
    auto state = state_named(r[0].str, r[6].str);
    if (!state) return make_error(queue_errc::protocol, "unknown state " + r[0].str);
    message_status s;
    s.id = id;
    s.tenant = std::string(tenant);
    s.state = *state;
    s.admitted_ms = number_at(r, 1);
    s.attempts = static_cast<std::uint32_t>(std::max<std::int64_t>(0, number_at(r, 2)));
    s.next_attempt_ms = number_at(r, 3);
    s.finished_ms = number_at(r, 4);
    s.reply = r[5].str;
    s.reason = r[6].str;
    s.detail = r[7].str;
    s.provider = r[8].str;
    s.provider_id = r[9].str;
    s.provider_code = r[10].str;
    for (std::size_t i = fixed; i < r.size(); ++i)
        s.history.push_back(r[i].str);
    return s;
}

}  // namespace

boost::asio::awaitable<result<std::optional<message_status>>> read_status(redis::client& redis,
                                                                          std::uint32_t shards,
                                                                          std::string_view tenant,
                                                                          const message_id& id) {
    // An id of another shard cannot be this tenant's.
    if (id.shard >= shards || shard_of(tenant, shards) != id.shard)
        co_return std::optional<message_status>{};
    const std::string entry = std::to_string(id.ms) + "-" + std::to_string(id.seq);
    auto r = co_await call_function(
        redis, redis::cmd("FCALL", "herald_status", "1", shard_prefix(id.shard), tenant, id.str(),
                          entry, to_string(id.ch)));
    if (!r) co_return r.error();
    if (r->size() == 0) co_return std::optional<message_status>{};
    auto s = decode(*r, tenant, id);
    if (!s) co_return s.error();
    co_return std::optional<message_status>{std::move(*s)};
}

}  // namespace herald::queue
