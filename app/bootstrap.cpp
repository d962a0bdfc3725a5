#include "app/bootstrap.hpp"

#include "dedupe/settings.hpp"
#include "queue/library.hpp"

namespace herald::app {

boost::asio::awaitable<result<void>> prepare_redis(redis::client& redis, const config& cfg) {
    auto loaded = co_await queue::load_library(redis);
    if (!loaded) co_return loaded;
    auto shards = co_await queue::init_shards(redis, cfg.queue);
    if (!shards) co_return shards;
    co_return co_await queue::publish_settings(redis, cfg.queue.shards, dedupe::defaults(cfg));
}

}  // namespace herald::app
