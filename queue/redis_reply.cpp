#include "queue/redis_reply.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace herald::redis {

reply reply::from(const redisReply& r) {
    reply out;
    switch (r.type) {
        case REDIS_REPLY_INTEGER:
            out.type = kind::integer;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_STRING:
            out.type = kind::string;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = kind::status;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = kind::error;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ARRAY:
            out.type = kind::array;
            out.elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i)
                out.elements.push_back(from(*r.element[i]));
            break;
        default:
            out.type = kind::nil;
    }
    return out;
}

std::optional<std::int64_t> reply::as_int() const {
    if (type == kind::integer) return integer;
    if (type != kind::string && type != kind::status) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec != std::errc{} || p != str.data() + str.size()) return std::nullopt;
    return v;
}

}  // namespace herald::redis
