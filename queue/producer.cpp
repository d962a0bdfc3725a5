#include "queue/producer.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "queue/errors.hpp"
#include "queue/keys.hpp"
#include "queue/library.hpp"

#include <cstdint>

namespace herald::queue {

std::vector<std::vector<std::size_t>> producer::plan_calls(
    const std::vector<admission>& batch, std::vector<result<admitted>>& out) const {
    std::vector<std::vector<std::size_t>> calls;
    std::vector<std::size_t> filling(shards_, SIZE_MAX);  // per shard, its open call
    std::vector<std::size_t> bytes(shards_, 0);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (auto ok = validate_tenant(batch[i].tenant); !ok) {
            out[i] = ok.error();
            continue;
        }
        const auto shard = shard_of(batch[i].tenant, shards_);
        auto& at = filling[shard];
        const auto size = batch[i].payload.size();
        if (at == SIZE_MAX || calls[at].size() == max_call_messages ||
            (bytes[shard] + size > max_call_bytes && !calls[at].empty())) {
            at = calls.size();
            calls.emplace_back();
            bytes[shard] = 0;
        }
        calls[at].push_back(i);
        bytes[shard] += size;
    }
    return calls;
}

redis::command producer::call_command(const std::vector<admission>& batch,
                                      const std::vector<std::size_t>& items) const {
    redis::command c{"FCALL", "herald_admit_batch", "1",
                     shard_prefix(shard_of(batch[items.front()].tenant, shards_)),
                     clock_ ? std::to_string(clock_->now_ms()) : std::string()};
    c.reserve(c.size() + fields_per_message * items.size());
    for (std::size_t i : items) {
        const admission& a = batch[i];
        std::string rcpts;
        for (const auto& r : a.recipients) {
            if (!rcpts.empty()) rcpts += '\n';
            rcpts += r;
        }
        contract::append_item<contract::admit_fields>(
            c, a.tenant, to_string(a.ch), a.payload, a.content_hash, a.idempotency_key,
            std::string(), std::move(rcpts), a.from_domain);
    }
    return c;
}

result<admitted> producer::parse_answer(const redis::reply& r) {
    if (r.is_error()) return redis::error_from_reply(r);
    if (!r.is_array() || r.size() < 2)
        return make_error(queue_errc::protocol, "unexpected admission answer");
    const std::string& status = r[0].str;
    if (status == "ok" || status == "duplicate") {
        auto id = message_id::parse(r[1].str);
        if (!id) return make_error(queue_errc::protocol, "bad message id " + r[1].str);
        return admitted{*id, status == "duplicate", r.size() > 2 && r[2].str == "replay"};
    }
    const int retry_after = r.size() > 3 ? static_cast<int>(r[3].as_int().value_or(0)) : 0;
    auto e = error_from_name(r[1].str, r.size() > 2 ? r[2].str : std::string(), retry_after);
    // The one refusal of the guards that blames a field of the message.
    if (e.code == errc::too_many_segments) e.field = "body";
    if (r.size() > 4 && r[4].str == "tripped")
        log::error("alert.breaker_opened", {{"code", e.name()}, {"detail", e.detail}});
    return e;
}

boost::asio::awaitable<std::vector<result<admitted>>> producer::admit_batch(
    const std::vector<admission>& batch) {
    std::vector<result<admitted>> out(batch.size(), make_error(errc::internal, "not sent"));
    const auto calls = plan_calls(batch, out);
    if (calls.empty()) co_return out;
    auto commands = [&] {
        std::vector<redis::command> cmds;
        cmds.reserve(calls.size());
        for (const auto& items : calls)
            cmds.push_back(call_command(batch, items));
        return cmds;
    };
    auto replies = co_await redis_.pipeline(commands());
    // A Redis that lost its functions (restarted without persistence) gets
    // them back once; nothing ran, so the batch is safe to send again.
    if (replies && replies->front().is_error() &&
        is_function_missing(redis::error_from_reply(replies->front()))) {
        if (co_await load_library(redis_)) replies = co_await redis_.pipeline(commands());
    }
    for (std::size_t k = 0; k < calls.size(); ++k) {
        const redis::reply* answers = replies ? &(*replies)[k] : nullptr;
        // Per message answers are arrays; a whole call refused is one answer.
        const bool per_message = answers && answers->is_array() &&
                                 answers->size() == calls[k].size() &&
                                 (answers->size() == 0 || (*answers)[0].is_array());
        for (std::size_t j = 0; j < calls[k].size(); ++j) {
            auto& slot = out[calls[k][j]];
            if (!replies)
                slot = replies.error();
            else if (per_message)
                slot = parse_answer((*answers)[j]);
            else
                slot = parse_answer(*answers);
            if (replies) count_answer(batch[calls[k][j]], slot);
        }
    }
    co_return out;
}

// What the admission function answered, for /metrics. An error without an
// answer (timeout, lost connection) is no outcome: it may yet have been
// admitted.
void producer::count_answer(const admission& a, const result<admitted>& r) {
    std::string_view outcome = "refused";
    if (r) outcome = r->duplicate || r->replay ? "duplicate" : "accepted";
    metrics::count(a.tenant, a.ch, outcome);
}

}  // namespace herald::queue
