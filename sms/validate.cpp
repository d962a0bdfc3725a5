#include "sms/validate.hpp"

#include "queue/keys.hpp"
#include "sms/phone_number.hpp"

namespace herald::sms {

bool needs_region(const sms_message& m) {
    const auto at = m.to.find_first_not_of(' ');
    return at == std::string::npos || m.to[at] != '+';
}

result<void> normalize(sms_message& m, std::string_view default_region) {
    auto to = to_e164(m.to, default_region, "to");
    if (!to) return to.error();
    if (m.from.empty()) {  // the provider's own sender ([[sms.providers]] from)
        m.to = std::move(*to);
        return {};
    }
    auto from = check_sender_id(m.from, default_region, "from");
    if (!from) return from.error();
    m.to = std::move(*to);
    m.from = std::move(*from);
    return {};
}

boost::asio::awaitable<result<std::string>> default_region_of(redis::client& redis,
                                                              const config& cfg,
                                                              std::string_view tenant) {
    const auto key = queue::tenant_key(queue::shard_of(tenant, cfg.queue.shards), tenant);
    auto r = co_await redis.exec(redis::cmd("HGET", key, "sms.default_region"));
    if (!r) co_return r.error();
    if (r->is_nil() || r->str.empty()) co_return cfg.sms.default_region;
    co_return r->str;
}

}  // namespace herald::sms
