// A Redis reply, copied out of hiredis' buffers so it outlives the
// callback. RESP2 only (hiredis 0.14 speaks nothing else).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace herald::redis {

struct reply {
    enum class kind { nil, integer, string, status, error, array };

    kind type = kind::nil;
    std::int64_t integer = 0;
    std::string str;  // string, status and error text
    std::vector<reply> elements;

    static reply from(const redisReply& r);

    bool is_nil() const { return type == kind::nil; }
    bool is_error() const { return type == kind::error; }
    bool is_array() const { return type == kind::array; }
    bool is_string() const { return type == kind::string || type == kind::status; }
    // The integer, or a string holding one (Lua numbers often come back so).
    std::optional<std::int64_t> as_int() const;
    std::size_t size() const { return elements.size(); }
    const reply& operator[](std::size_t i) const { return elements[i]; }
};

using command = std::vector<std::string>;

// Builds a command from strings and literals. Inside coroutines prefer
// this to a braced list of literals, which GCC 12 cannot put in a frame
// ("array used as initializer").
template <class... Args>
command cmd(const Args&... args) {
    return command{std::string(args)...};
}

}  // namespace herald::redis
