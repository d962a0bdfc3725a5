#include "api/http.hpp"

#include "api/base64url.hpp"
#include "api/errors.hpp"
#include "api/json_body.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <ctime>

namespace herald::api {

namespace json = boost::json;

response json_answer(http::status status, const json::value& body) {
    response r{status, 11};
    r.set(http::field::content_type, "application/json");
    r.body() = json::serialize(body);
    r.body() += '\n';
    r.prepare_payload();
    return r;
}

response error_answer(const error& e) {
    json::object detail{{"code", e.name()}, {"message", e.detail}};
    if (!e.field.empty()) detail["field"] = e.field;
    auto r =
        json_answer(static_cast<http::status>(e.http_status()), {{"error", std::move(detail)}});
    if (e.retry_after_s > 0) r.set(http::field::retry_after, std::to_string(e.retry_after_s));
    return r;
}

std::string query_param(const request& r, std::string_view name) {
    auto it = r.query.find(name);
    if (it == r.query.end()) return {};
    return (*it).value;
}

result<std::string> cursor_param(const request& r) {
    const auto text = query_param(r, "cursor");
    if (text.empty()) return std::string();
    auto raw = base64url_decode(text);
    if (!raw || raw->empty())
        return at_field(make_error(errc::invalid_argument, "not a cursor this API gave"), "cursor");
    return std::move(*raw);
}

json::value cursor_json(const std::string& next) {
    return next.empty() ? json::value(nullptr) : json::value(base64url_encode(next));
}

result<std::size_t> limit_param(const request& r, std::size_t fallback, std::size_t max) {
    const auto text = query_param(r, "limit");
    if (text.empty()) return fallback;
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size() || n < 1 || n > max)
        return at_field(make_error(errc::invalid_argument,
                                   "limit must be a number in 1.." + std::to_string(max)),
                        "limit");
    return n;
}

result<json::object> json_object_body(const request& r, std::span<const std::string_view> known,
                                      bool empty_ok) {
    if (empty_ok && r.http.body().empty()) return json::object{};
    auto o = parse_json_object(r.http.body());
    if (!o) return o.error();
    if (auto ok = only_known_fields(*o, known); !ok) return ok.error();
    return o;
}

result<std::string> string_member(const json::object& o, std::string_view name,
                                  std::size_t max_bytes, std::string fallback) {
    const auto* v = o.if_contains(name);
    if (!v) return fallback;
    if (!v->is_string() || v->get_string().size() > max_bytes)
        return at_field(
            make_error(api_errc::invalid_json,
                       "must be a string of at most " + std::to_string(max_bytes) + " bytes"),
            std::string(name));
    return std::string(v->get_string());
}

result<std::int64_t> int_member(const json::object& o, std::string_view name, std::int64_t min,
                                std::int64_t max, std::int64_t fallback) {
    const auto* v = o.if_contains(name);
    if (!v) return fallback;
    if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max)
        return at_field(
            make_error(api_errc::invalid_json, "must be a whole number in " + std::to_string(min) +
                                                   ".." + std::to_string(max)),
            std::string(name));
    return v->get_int64();
}

}  // namespace herald::api
