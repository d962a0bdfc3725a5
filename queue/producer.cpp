#include "queue/producer.hpp"

#include "core/log.hpp"
#include "queue/errors.hpp"
#include "queue/keys.hpp"
#include "queue/library.hpp"

namespace herald::queue {

redis::command producer::admit_command(const admission& a) const {
    redis::command c{"FCALL",  "herald_admit",
                     "1",      shard_prefix(shard_of(a.tenant, shards_)),
                     a.tenant, std::string(to_string(a.ch)),
                     a.payload};
    if (!a.content_hash.empty()) c.insert(c.end(), {"hash", a.content_hash});
    if (!a.idempotency_key.empty()) c.insert(c.end(), {"idem", a.idempotency_key});
    if (clock_) c.insert(c.end(), {"now", std::to_string(clock_->now_ms())});
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
    if (r.size() > 4 && r[4].str == "tripped")
        log::error("alert.breaker_opened", {{"code", e.name()}, {"detail", e.detail}});
    return e;
}

boost::asio::awaitable<std::vector<result<admitted>>> producer::admit_batch(
    const std::vector<admission>& batch) {
    std::vector<result<admitted>> out(batch.size(), make_error(errc::internal, "not sent"));
    std::vector<redis::command> cmds;
    std::vector<std::size_t> sent;  // the batch index of each command
    cmds.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (auto ok = validate_tenant(batch[i].tenant); !ok) {
            out[i] = ok.error();
            continue;
        }
        cmds.push_back(admit_command(batch[i]));
        sent.push_back(i);
    }
    if (cmds.empty()) co_return out;
    auto replies = co_await redis_.pipeline(std::move(cmds));
    // A Redis that lost its functions (restarted without persistence) gets
    // them back once; nothing ran, so the batch is safe to send again.
    if (replies && !replies->empty() && replies->front().is_error() &&
        is_function_missing(redis::error_from_reply(replies->front()))) {
        auto loaded = co_await load_library(redis_);
        if (loaded) {
            std::vector<redis::command> again;
            for (std::size_t i : sent)
                again.push_back(admit_command(batch[i]));
            replies = co_await redis_.pipeline(std::move(again));
        }
    }
    for (std::size_t j = 0; j < sent.size(); ++j)
        out[sent[j]] = replies ? parse_answer((*replies)[j]) : result<admitted>(replies.error());
    co_return out;
}

}  // namespace herald::queue
