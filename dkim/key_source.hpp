// Where a transport finds a tenant's signing keys besides the operator's
// static folder (dkim/keys.hpp): the sender-domain store implements it
// (domains/signing_keys.hpp); app/ wires it in. The transport never knows
// how keys are stored, sealed or verified.
#pragma once

#include "core/error.hpp"
#include "dkim/key.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald::dkim {

struct sourced_key {
    std::string domain, selector;
    std::shared_ptr<const dkim_key> key;
};

struct tenant_keys {
    // False when the domain is known and blocked: its mail must not go out.
    bool may_send = true;
    std::vector<sourced_key> keys;  // empty: none to sign with (sent unsigned)
};

class key_source {
public:
    virtual ~key_source() = default;
    // The keys `tenant` signs mail from `domain` (an A-label, lower case)
    // with. Called on the transport's executor, for every message.
    virtual boost::asio::awaitable<result<tenant_keys>> keys_for(std::string_view tenant,
                                                                 std::string_view domain) = 0;
};

}  // namespace herald::dkim
