// A provider adapter: one small file per kind of provider API
// (sms/providers/), each with the same two duties, as an Envoy filter has
// one: build the HTTP request for one SMS, and read the provider's answer
// into an answer class (sms/answer.hpp). Adapters do no I/O; the sms
// transport sends what they build.
#pragma once

#include "core/config.hpp"
#include "sms/answer.hpp"
#include "sms/http_client.hpp"
#include "sms/segments.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace herald::sms {

// One SMS as an adapter needs it, already checked and normalised.
struct sms_send {
    std::string_view id;    // herald's message id: the provider's client reference
    std::string_view to;    // E.164
    std::string_view from;  // E.164 or an alphanumeric id; empty: the provider's `from`
    std::string_view body;  // UTF-8
    sms_encoding encoding = sms_encoding::gsm7;
    std::string status_url;  // where the receipt goes (sms/callback_url.hpp); empty: none
};

class provider {
public:
    explicit provider(const sms_provider_config& cfg) : cfg_(cfg) {}
    virtual ~provider() = default;

    const sms_provider_config& config() const { return cfg_; }
    const std::string& name() const { return cfg_.name; }

    virtual http_request request(const sms_send& s) const = 0;
    // Only for an answer that came (failure == none): the transport itself
    // classifies what never reached the provider or got no answer.
    virtual provider_answer classify(const http_response& r) const = 0;

protected:
    const sms_provider_config& cfg_;
};

// The adapter for cfg.kind (one of the kinds core/config accepts).
std::unique_ptr<provider> make_provider(const sms_provider_config& cfg);

}  // namespace herald::sms
