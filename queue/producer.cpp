#include "queue/producer.hpp"

#include "queue/errors.hpp"
#include "queue/keys.hpp"
#include "queue/library.hpp"

namespace herald::queue {

redis::command producer::admit_command(const admission& a, std::uint32_t shards) {
    return {"FCALL",  "herald_admit",
            "1",      shard_prefix(shard_of(a.tenant, shards)),
            a.tenant, std::string(to_string(a.ch)),
            a.payload};
}

result<message_id> producer::parse_answer(const redis::reply& r) {
    if (r.is_error()) return redis::error_from_reply(r);
    if (!r.is_array() || r.size() < 2)
        return make_error(queue_errc::protocol, "unexpected admission answer");
    if (r[0].str == "ok") {
        if (auto id = message_id::parse(r[1].str)) return *id;
        return make_error(queue_errc::protocol, "bad message id " + r[1].str);
    }
    return error_from_name(r[1].str, r.size() > 2 ? r[2].str : std::string());
}

boost::asio::awaitable<result<message_id>> producer::admit(std::string_view tenant,
                                                           const message& m) {
    std::vector<admission> one{{std::string(tenant), m.kind(), serialize(m)}};
    auto r = co_await admit_batch(one);
    co_return std::move(r.front());
}

boost::asio::awaitable<std::vector<result<message_id>>> producer::admit_batch(
    const std::vector<admission>& batch) {
    std::vector<result<message_id>> out(batch.size(), make_error(errc::internal, "not sent"));
    std::vector<redis::command> cmds;
    std::vector<std::size_t> sent;  // the batch index of each command
    cmds.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (auto ok = validate_tenant(batch[i].tenant); !ok) {
            out[i] = ok.error();
            continue;
        }
        cmds.push_back(admit_command(batch[i], shards_));
        sent.push_back(i);
    }
    if (cmds.empty()) co_return out;
    auto replies = co_await redis_.pipeline(cmds);
    // A Redis that lost its functions (restarted without persistence) gets
    // them back once; nothing ran, so the batch is safe to send again.
    if (replies && !replies->empty() && replies->front().is_error() &&
        is_function_missing(redis::error_from_reply(replies->front()))) {
        auto loaded = co_await load_library(redis_);
        if (loaded) replies = co_await redis_.pipeline(std::move(cmds));
    }
    for (std::size_t j = 0; j < sent.size(); ++j)
        out[sent[j]] = replies ? parse_answer((*replies)[j]) : result<message_id>(replies.error());
    co_return out;
}

}  // namespace herald::queue
