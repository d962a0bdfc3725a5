#include "queue/function_call.hpp"

#include "queue/errors.hpp"
#include "queue/library.hpp"

namespace herald::queue {

namespace {

bool is_refusal(const redis::reply& r) {
    return r.is_array() && r.size() >= 3 && r[0].is_string() && r[0].str == "err" &&
           r[1].is_string();
}

}  // namespace

boost::asio::awaitable<result<redis::reply>> call_function(redis::client& redis,
                                                           redis::command cmd) {
    const std::string name = cmd.size() > 1 ? cmd[1] : std::string();
    auto r = co_await redis.exec(cmd);
    // A Redis restarted without persistence lost the library: nothing ran.
    if (!r && is_function_missing(r.error())) {
        auto loaded = co_await load_library(redis);
        if (!loaded) co_return loaded.error();
        r = co_await redis.exec(std::move(cmd));
    }
    if (!r) co_return r.error();
    if (is_refusal(*r)) {
        const int retry_after = r->size() > 3 ? static_cast<int>((*r)[3].as_int().value_or(0)) : 0;
        co_return error_from_name((*r)[1].str, (*r)[2].str, retry_after);
    }
    if (!r->is_array() && !r->as_int())
        co_return make_error(queue_errc::protocol, "unexpected answer from " + name);
    co_return std::move(*r);
}

std::int64_t number_at(const redis::reply& r, std::size_t i) {
    return i < r.size() ? r[i].as_int().value_or(0) : 0;
}

}  // namespace herald::queue
