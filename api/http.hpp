// What a route handler sees and answers: the parsed request with its path
// parameters and caller, and a response whose body is JSON (or, for the
// OpenAPI document, YAML).
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>
#include <boost/url/params_view.hpp>

#include <span>
#include <string>
#include <vector>

namespace herald::api {

namespace http = boost::beast::http;

using http_request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// Who a request acts for, from its bearer key.
struct principal {
    bool admin = false;
    std::string tenant;  // a tenant key's tenant
};

struct lane;

struct request {
    const http_request& http;
    std::vector<std::string> params;  // the path's {parameters}, decoded, in order
    boost::urls::params_view query;   // decoded
    principal who;
    lane& on;  // this thread's Redis client, admitter and settings
};

using handler = boost::asio::awaitable<response> (*)(request&);

response json_answer(http::status status, const boost::json::value& body);
// {"error": {"code", "message", "field"?}} with the code's status, and
// Retry-After when the error carries one.
response error_answer(const error& e);

}  // namespace herald::api

namespace herald::api {

using herald::rfc3339;

// ?limit= (default `fallback`, at most `max`) and ?cursor=, refused with
// the parameter's name when malformed.
result<std::size_t> limit_param(const request& r, std::size_t fallback, std::size_t max);
std::string query_param(const request& r, std::string_view name);
// ?cursor= as the queue layer wrote it (the API hands cursors out in
// base64url, so they go in a URL as they are); `invalid_argument` when it
// is not one the API gave.
result<std::string> cursor_param(const request& r);
// A page's next cursor for the client: null at the end.
boost::json::value cursor_json(const std::string& next);

// The request's body as a JSON object of no other members than `known`
// (api/json_body), or its error; an empty body is an empty object when
// `empty_ok`.
result<boost::json::object> json_object_body(const request& r,
                                             std::span<const std::string_view> known,
                                             bool empty_ok = false);

// An optional member of a body: `fallback` when absent; refused with its
// name as the field when of another type or out of bounds.
result<std::string> string_member(const boost::json::object& o, std::string_view name,
                                  std::size_t max_bytes, std::string fallback = {});
result<std::int64_t> int_member(const boost::json::object& o, std::string_view name,
                                std::int64_t min, std::int64_t max, std::int64_t fallback);

}  // namespace herald::api
