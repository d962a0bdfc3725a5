// An admission record as herald's producers send it: the payload with its
// content hash, its recipients and its From domain (an A-label, through
// mime's libidn2 conversion) computed on this side, so the admission
// function does not decode the payload again (queue::admission). The one
// way to build one: `herald enqueue`, the HTTP API, tests and benchmarks.
#pragma once

#include "core/error.hpp"
#include "core/message.hpp"
#include "queue/producer.hpp"

#include <string>

namespace herald::dedupe {

// `payload` is `m` as JSON (serialize(m), or the text it was parsed from).
queue::admission admission_of(std::string tenant, const message& m, std::string payload,
                              std::string idempotency_key = {});

// From JSON text: invalid_message when it is not a valid message.
result<queue::admission> admission_of(std::string tenant, channel ch, std::string json,
                                      std::string idempotency_key = {});

}  // namespace herald::dedupe
