// How webhooks are shown, the same by `herald webhook` and /v1/webhooks:
// an endpoint (its secret only when just created), a page of dead
// batches, a replay's answer.
#pragma once

#include "ops/webhook_store.hpp"

#include <boost/json/object.hpp>

namespace herald::ops {

boost::json::object endpoint_json(const webhook_endpoint& e, bool with_secret);
boost::json::object dead_json(const dead_batches& d);
boost::json::object replay_json(const replayed& r);

}  // namespace herald::ops
