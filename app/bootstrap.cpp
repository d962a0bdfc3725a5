#include "app/bootstrap.hpp"

#include "dedupe/settings.hpp"
#include "domains/settings.hpp"
#include "ops/settings.hpp"
#include "queue/library.hpp"
#include "ratelimit/settings.hpp"
#include "sms/settings.hpp"

namespace herald::app {

boost::asio::awaitable<result<void>> prepare_redis(redis::client& redis, const config& cfg) {
    auto loaded = co_await queue::load_library(redis);
    if (!loaded) co_return loaded;
    auto shards = co_await queue::init_shards(redis, cfg.queue);
    if (!shards) co_return shards;
    auto settings = published_defaults(dedupe::settings(), cfg);
    for (auto rows : {ratelimit::settings(), domains::settings(), sms::settings(), ops::settings()})
        for (auto& kv : published_defaults(rows, cfg))
            settings.push_back(std::move(kv));
    co_return co_await queue::publish_settings(redis, cfg.queue.shards, settings);
}

}  // namespace herald::app
