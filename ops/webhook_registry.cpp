#include "ops/webhook_registry.hpp"

#include "ops/webhook_signature.hpp"

namespace herald::ops {

webhook_policy policy_of(const webhooks_config& c) {
    return {c.allow_http != 0, c.allow_private != 0};
}

dns::resolver_options webhook_resolver_options(const config& c) {
    dns::resolver_options o;
    o.servers = dns::resolver_options::servers_of(c.smtp.dns_servers);
    return o;
}

task<webhook_endpoint> create_webhook(redis::client& redis, dns::resolver& resolver,
                                      const config& cfg, std::string tenant, std::string url,
                                      webhook_filter filter, std::int64_t now_ms) {
    auto target = co_await check_webhook_target(resolver, url, policy_of(cfg.webhooks));
    if (!target) co_return target.error();
    webhook_endpoint e{new_endpoint_id(),    std::move(url), std::move(filter),
                       new_webhook_secret(), now_ms,         0};
    auto added = co_await add_endpoint(redis, cfg.queue.shards, std::move(tenant), e,
                                       cfg.webhooks.max_endpoints);
    if (!added) co_return added.error();
    co_return e;
}

}  // namespace herald::ops
