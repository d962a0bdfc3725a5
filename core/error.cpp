#include "core/error.hpp"

#include <array>
#include <stdexcept>

namespace herald {
namespace {

constexpr std::array k_codes{
    code_row(errc::invalid_message, "invalid_message", 400),
    code_row(errc::invalid_argument, "invalid_argument", 400),
    code_row(errc::payload_too_large, "payload_too_large", 413),
    code_row(errc::wrong_shard, "wrong_shard", 400),
    code_row(errc::not_initialized, "not_initialized", 503),
    code_row(errc::idempotency_key_reused, "idempotency_key_reused", 422),
    code_row(errc::idempotency_in_flight, "idempotency_in_flight", 409),
    code_row(errc::circuit_open, "circuit_open", 429),
    code_row(errc::quota_exceeded, "quota_exceeded", 429),
    code_row(errc::storage_quota_exceeded, "storage_quota_exceeded", 507),
    code_row(errc::backpressure, "backpressure", 503),
    code_row(errc::suppression_limit, "suppression_limit", 409),
    code_row(errc::tenant_limit, "tenant_limit", 409),
    code_row(errc::domain_not_verified, "domain_not_verified", 403),
    code_row(errc::domain_limit, "domain_limit", 409),
    code_row(errc::too_many_segments, "too_many_segments", 400),
    code_row(errc::unavailable, "unavailable", 503),
    code_row(errc::internal, "internal", 500),
};

const table_category& admission_table() noexcept {
    static const table_category cat("herald.admission", k_codes);
    return cat;
}

}  // namespace

const error_row* table_category::row(int ev) const noexcept {
    for (const auto& r : rows_)
        if (r.value == ev) return &r;
    return nullptr;
}

std::string_view table_category::code_name(int ev) const noexcept {
    const auto* r = row(ev);
    return r ? r->name : "unknown";
}

int table_category::http_status(int ev) const noexcept {
    const auto* r = row(ev);
    return r ? r->http_status : 500;
}

const error_row* table_category::find(std::string_view code) const noexcept {
    for (const auto& r : rows_)
        if (r.name == code) return &r;
    return nullptr;
}

const error_category& admission_category() noexcept {
    return admission_table();
}

std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), admission_category()};
}

error make_error(errc e, std::string detail, int retry_after_s) {
    return {make_error_code(e), std::move(detail), retry_after_s};
}

error error_from_name(std::string_view name, std::string detail, int retry_after_s) {
    if (const auto* r = admission_table().find(name))
        return make_error(static_cast<errc>(r->value), std::move(detail), retry_after_s);
    return make_error(errc::internal, std::string(name) + ": " + detail);
}

std::string_view error::name() const noexcept {
    if (const auto* cat = dynamic_cast<const error_category*>(&code.category()))
        return cat->code_name(code.value());
    return "system_error";
}

int error::http_status() const noexcept {
    if (const auto* cat = dynamic_cast<const error_category*>(&code.category()))
        return cat->http_status(code.value());
    return 500;
}

std::string error::to_string() const {
    std::string s(name());
    if (!field.empty()) s += " at " + field;
    if (!detail.empty()) s += ": " + detail;
    return s;
}

error at_field(error e, std::string field) {
    if (e.field.empty()) e.field = std::move(field);
    return e;
}

}  // namespace herald

namespace boost::system {
void throw_exception_from_error(const herald::error& e, const boost::source_location&) {
    throw std::runtime_error(e.to_string());
}
}  // namespace boost::system
