// What a worker hands a message to. smtp/ and sms/ implement it; capture
// (below) writes messages to a folder for the local stack and tests.
//
// The outcome blames the right side: `deferred` is a temporary failure
// (retry later), `bounced` a permanent one (dead-letter, maybe suppress),
// `unknown` means the peer may have accepted it (e.g. the connection died
// after the end of DATA): never resent blindly.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace herald {

struct delivery {
    const message_id& id;
    std::string_view tenant;
    const message& msg;
    int attempt = 0;  // previous attempts
};

enum class outcome_kind { delivered, deferred, bounced, unknown };
std::string_view to_string(outcome_kind k) noexcept;

struct outcome {
    outcome_kind kind = outcome_kind::delivered;
    std::string code;                // stable, e.g. "smtp_4xx", "captured"
    std::string detail;              // e.g. the peer's reply
    std::optional<millis> retry_at;  // a deferral that knows when to come back

    static outcome delivered(std::string code, std::string detail = {}) {
        return {outcome_kind::delivered, std::move(code), std::move(detail), {}};
    }
    static outcome deferred(std::string code, std::string detail = {}) {
        return {outcome_kind::deferred, std::move(code), std::move(detail), {}};
    }
    static outcome bounced(std::string code, std::string detail = {}) {
        return {outcome_kind::bounced, std::move(code), std::move(detail), {}};
    }
};

class transport {
public:
    virtual ~transport() = default;
    virtual std::string_view name() const = 0;
    virtual boost::asio::awaitable<outcome> send(const delivery& d) = 0;
};

}  // namespace herald
