#include "core/error.hpp"

#include <array>
#include <stdexcept>

namespace herald {
namespace {

struct code_info {
    errc code;
    std::string_view name;
    int http;
};

constexpr std::array k_codes{
    code_info{errc::invalid_message, "invalid_message", 400},
    code_info{errc::invalid_argument, "invalid_argument", 400},
    code_info{errc::payload_too_large, "payload_too_large", 413},
    code_info{errc::wrong_shard, "wrong_shard", 400},
    code_info{errc::not_initialized, "not_initialized", 503},
    code_info{errc::idempotency_key_reused, "idempotency_key_reused", 422},
    code_info{errc::idempotency_in_flight, "idempotency_in_flight", 409},
    code_info{errc::circuit_open, "circuit_open", 429},
    code_info{errc::quota_exceeded, "quota_exceeded", 429},
    code_info{errc::storage_quota_exceeded, "storage_quota_exceeded", 507},
    code_info{errc::backpressure, "backpressure", 503},
    code_info{errc::suppression_limit, "suppression_limit", 409},
    code_info{errc::tenant_limit, "tenant_limit", 409},
    code_info{errc::unavailable, "unavailable", 503},
    code_info{errc::internal, "internal", 500},
};

const code_info* find(int ev) {
    for (const auto& c : k_codes)
        if (static_cast<int>(c.code) == ev) return &c;
    return nullptr;
}

class admission_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.admission"; }
    std::string message(int ev) const override {
        const auto* c = find(ev);
        return c ? std::string(c->name) : "unknown";
    }
    std::string_view code_name(int ev) const noexcept override {
        const auto* c = find(ev);
        return c ? c->name : "unknown";
    }
    int http_status(int ev) const noexcept override {
        const auto* c = find(ev);
        return c ? c->http : 500;
    }
};

}  // namespace

const error_category& admission_category() noexcept {
    static const admission_category_impl cat;
    return cat;
}

std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), admission_category()};
}

error make_error(errc e, std::string detail, int retry_after_s) {
    return {make_error_code(e), std::move(detail), retry_after_s};
}

error error_from_name(std::string_view name, std::string detail, int retry_after_s) {
    for (const auto& c : k_codes)
        if (c.name == name) return make_error(c.code, std::move(detail), retry_after_s);
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
