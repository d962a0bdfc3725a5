// The worker's one transport, sending each channel through its own
// (transport.email: smtp | capture; transport.sms: providers | capture), so
// one worker process serves both streams.
#pragma once

#include "core/transport.hpp"

#include <memory>

namespace herald::app {

class channel_transports final : public transport {
public:
    // `sms` may be the same object as `email` (capture for both).
    channel_transports(std::shared_ptr<transport> email, std::shared_ptr<transport> sms)
        : email_(std::move(email)), sms_(std::move(sms)) {}

    std::string_view name() const override { return "channels"; }
    boost::asio::awaitable<outcome> send(const delivery& d) override {
        auto& t = d.msg.kind() == channel::sms ? *sms_ : *email_;
        co_return co_await t.send(d);
    }
    boost::asio::awaitable<void> close() override {
        co_await email_->close();
        if (sms_ != email_) co_await sms_->close();
    }

private:
    std::shared_ptr<transport> email_, sms_;
};

}  // namespace herald::app
