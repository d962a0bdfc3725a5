// One c-ares channel driven by an Asio executor: the plumbing under
// `resolver`. It turns c-ares' socket-state callback into async_waits on
// non-owning descriptors and its timeouts into one steady_timer, so no
// thread ever blocks on DNS.
//
// Error contract: `query` always completes, with c-ares' own status
// (ARES_SUCCESS and the raw answer, or an ARES_E* code); `stop()` and
// destruction complete outstanding queries with ARES_EDESTRUCTION.
// Mapping statuses to dns_errc is the caller's job (dns/answer.hpp).
//
// Thread model: a channel is not thread-safe. All calls come from the
// executor given at creation, which must not run handlers concurrently
// (one thread, or a strand).
#pragma once

#include "dns/resolver_options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <vector>

namespace herald::dns {

struct raw_answer {
    int status = 0;                    // ARES_SUCCESS or an ARES_E* code
    std::vector<unsigned char> bytes;  // the DNS message, when there was one
};

class ares_driver {
public:
    // Throws std::runtime_error when the options are invalid or c-ares
    // cannot set up a channel (start-up only).
    static std::shared_ptr<ares_driver> create(boost::asio::any_io_executor ex,
                                               const resolver_options& opt);
    virtual ~ares_driver() = default;

    // One question of class IN; `name` must have passed normalize_name.
    virtual boost::asio::awaitable<raw_answer> query(std::string name, int type) = 0;
    // Completes every outstanding query with ARES_EDESTRUCTION and refuses
    // new ones the same way.
    virtual void stop() = 0;
    virtual std::size_t outstanding() const = 0;
};

}  // namespace herald::dns
