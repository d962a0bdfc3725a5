// Errors of the queue layer: the Redis connection and the stream protocol.
// A Redis that is down, slow or full is the platform's problem (5xx), never
// the producer's, so every code here maps to 503 except `protocol`.
#pragma once

#include "core/error.hpp"

namespace herald::queue {

enum class queue_errc {
    connection_lost = 1,  // the connection dropped with the command in flight: outcome unknown
    not_connected,        // no connection within the deadline; the command was never sent
    timeout,              // no reply within the deadline: outcome unknown
    server_error,         // Redis answered -ERR (detail holds its text)
    out_of_memory,        // Redis answered -OOM under noeviction
    protocol,             // a reply of a shape herald does not expect
    stopped,              // the client is shutting down
};

const error_category& queue_category() noexcept;
std::error_code make_error_code(queue_errc e) noexcept;
error make_error(queue_errc e, std::string detail);

}  // namespace herald::queue

template <>
struct std::is_error_code_enum<herald::queue::queue_errc> : std::true_type {};
