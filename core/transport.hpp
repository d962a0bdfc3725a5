// What a worker hands a message to. smtp/ and sms/ implement it; app/capture
// (app/capture_transport) writes messages to a folder for the local stack and tests.
//
// The outcome blames the right side: `deferred` is a temporary failure
// (retry later), `bounced` a permanent one (dead-letter, maybe suppress),
// `unknown` means the peer may have accepted it (e.g. the connection died
// after the end of DATA): never resent blindly.
//
// A transport commits the delivery's lease right before its point of no
// return (SMTP: handing the final dot to the connection; capture: linking
// the file into place) and, when that is refused, gives up with
// outcome::lease_lost(): another worker may be sending the message by now.
// A committed lease is never released by a draining worker.
#pragma once

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/message_id.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace herald {

// The worker's hold on a message while it is being sent (queue/lease_keeper).
// Both calls may come from any thread.
class send_lease {
public:
    virtual ~send_lease() = default;
    // Still ours, with time left.
    virtual bool held() const noexcept = 0;
    // The point of no return: true if the send may go on (held, and from
    // now on never released); false if it must not.
    virtual bool commit() noexcept = 0;
};

struct delivery {
    const message_id& id;
    std::string_view tenant;
    const message& msg;
    int attempt = 0;              // previous attempts
    send_lease* lease = nullptr;  // null: not leased (tools, tests)

    bool may_commit() const noexcept { return lease == nullptr || lease->commit(); }
};

enum class outcome_kind { delivered, deferred, bounced, unknown };
std::string_view to_string(outcome_kind k) noexcept;

struct outcome {
    outcome_kind kind = outcome_kind::delivered;
    std::string code;                // stable, e.g. "smtp_4xx", "captured"
    std::string detail;              // e.g. the peer's reply
    std::optional<millis> retry_at;  // a deferral that knows when to come back
    bool used_attempt = true;        // false: not tried (see postponed, refused)
    std::string relay;               // who answered: "host[address]:port", a provider, "capture"

    static outcome delivered(std::string code, std::string detail = {}) {
        return {outcome_kind::delivered, std::move(code), std::move(detail), {}, true};
    }
    static outcome deferred(std::string code, std::string detail = {}) {
        return {outcome_kind::deferred, std::move(code), std::move(detail), {}, true};
    }
    static outcome bounced(std::string code, std::string detail = {}) {
        return {outcome_kind::bounced, std::move(code), std::move(detail), {}, true};
    }
    // Never sendable as written (the producer's fault): bounced with the
    // error's code, and the field at fault leading the detail; no peer saw
    // it, so it counts no failed attempt.
    static outcome refused(const error& e) {
        return {outcome_kind::bounced,
                std::string(e.name()),
                e.field.empty() ? e.detail : e.field + ": " + e.detail,
                {},
                false};
    }
    // Not tried: the way is closed until `until` (a suspended destination).
    // The message waits without using an attempt, as a rate-limited one does.
    static outcome postponed(std::string code, std::string detail, millis until) {
        return {outcome_kind::deferred, std::move(code), std::move(detail), until, false};
    }
    // Not sent: the send lease lapsed before the point of no return.
    static outcome lease_lost() {
        return deferred(std::string(lease_lost_code), "the send lease lapsed before the send");
    }
    static constexpr std::string_view lease_lost_code = "lease_lost";
    bool is_lease_lost() const noexcept { return code == lease_lost_code; }
};

class transport {
public:
    virtual ~transport() = default;
    virtual std::string_view name() const = 0;
    virtual boost::asio::awaitable<outcome> send(const delivery& d) = 0;
    // After the last send: closes what the transport keeps open (idle
    // connections), so a stopping process exits at once.
    virtual boost::asio::awaitable<void> close() { co_return; }
};

}  // namespace herald
