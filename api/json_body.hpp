// Request bodies as JSON, parsed strictly: RFC 8259 with valid UTF-8, no
// comments, no trailing commas, bounded depth, and no object with the same
// key twice (Boost.JSON would keep the last one silently, so a client and
// herald could read two different messages from one body). Refusals are
// `invalid_json` with the path of the offending member ("messages[2].to").
#pragma once

#include "core/error.hpp"

#include <boost/json/value.hpp>

#include <span>
#include <string_view>

namespace herald::api {

result<boost::json::value> parse_json_body(std::string_view body);
// The same, for a body that must be an object.
result<boost::json::object> parse_json_object(std::string_view body);

// An object's members must all be among `known`; the first other one is
// refused as `unknown_field` at `path` + its name.
result<void> only_known_fields(const boost::json::object& o,
                               std::span<const std::string_view> known, std::string_view path = {});

}  // namespace herald::api
