// Errors as values. Every failure herald reports is an `error`: a
// std::error_code from one folder's category (admission, queue, smtp, ...)
// plus a human detail. The category gives each code a stable snake_case
// name, the string producers and the HTTP API see, and the HTTP status
// the API answers with, so a caller can act on the code alone.
#pragma once

#include <boost/system/result.hpp>

#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace herald {

// A category that can name its codes stably and map them to HTTP.
class error_category : public std::error_category {
public:
    virtual std::string_view code_name(int ev) const noexcept = 0;
    virtual int http_status(int ev) const noexcept = 0;
};

// A category whose codes are one table: a row per code with its stable
// name and HTTP status. Admission's and the API's are; the other folders'
// switches are to move onto it.
struct error_row {
    int value;
    std::string_view name;
    int http_status;
};

template <class E>
constexpr error_row code_row(E code, std::string_view name, int http_status) {
    return {static_cast<int>(code), name, http_status};
}

class table_category final : public error_category {
public:
    table_category(const char* name, std::span<const error_row> rows) noexcept
        : name_(name), rows_(rows) {}
    const char* name() const noexcept override { return name_; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override;
    int http_status(int ev) const noexcept override;
    // The row named `code`, if any.
    const error_row* find(std::string_view code) const noexcept;

private:
    const error_row* row(int ev) const noexcept;

    const char* name_;
    std::span<const error_row> rows_;
};

struct error {
    std::error_code code;
    std::string detail;
    int retry_after_s = 0;  // > 0: when trying again makes sense (HTTP Retry-After)
    std::string field;  // the input at fault, as a path ("to[3]", "headers.X-Tag"); may be empty

    std::string_view name() const noexcept;
    int http_status() const noexcept;
    std::string to_string() const;  // "name at field: detail"
};

// `e`, blamed on `field` unless it already names a more precise one.
error at_field(error e, std::string field);

template <class T>
using result = boost::system::result<T, error>;

// Codes shared by every entry point: what a producer did wrong, or what
// the platform refuses right now. Names are part of the public contract.
enum class errc {
    invalid_message = 1,     // 400: the message fails validation
    invalid_argument,        // 400: a bad flag, file or setting
    payload_too_large,       // 413
    wrong_shard,             // 400: the shard key does not match the tenant
    not_initialized,         // 503: the shard has not been set up by herald
    idempotency_key_reused,  // 422: the key was used for another message
    idempotency_in_flight,   // 409: a request with the key is still running
    circuit_open,            // 429: a loop breaker refuses (detail names it)
    quota_exceeded,          // 429: a volume quota is used up
    storage_quota_exceeded,  // 507: the tenant's queued bytes or messages are at the limit
    backpressure,            // 503: refused before Redis fills up
    suppression_limit,       // 409: the tenant has as many suppressions as allowed
    tenant_limit,            // 409: the registry has as many tenants as allowed
    domain_not_verified,     // 403: the From domain is not verified for the tenant
    domain_limit,            // 409: the tenant has as many sender domains as allowed
    too_many_segments,       // 400: an SMS body longer than the tenant's sms.max_segments
    unavailable,             // 503: a backend is down or timing out
    internal,                // 500
};

const error_category& admission_category() noexcept;
std::error_code make_error_code(errc e) noexcept;
error make_error(errc e, std::string detail, int retry_after_s = 0);

// Finds the code registered under a stable name (as returned by the
// admission function); unknown names map to errc::internal.
error error_from_name(std::string_view name, std::string detail, int retry_after_s = 0);

}  // namespace herald

template <>
struct std::is_error_code_enum<herald::errc> : std::true_type {};

namespace boost::system {
// result<T, herald::error>::value() throws this on error.
[[noreturn]] void throw_exception_from_error(const herald::error& e,
                                             const boost::source_location& loc);
}  // namespace boost::system
