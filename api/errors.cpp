#include "api/errors.hpp"

namespace herald::api {
namespace {

struct code_row {
    std::string_view name;
    int status;
};

// Indexed by api_errc - 1.
constexpr code_row k_codes[] = {
    {"invalid_json", 400}, {"unknown_field", 400},     {"unauthorized", 401},
    {"forbidden", 403},    {"not_found", 404},         {"method_not_allowed", 405},
    {"conflict", 409},     {"headers_too_large", 431}, {"too_many_connections", 503},
    {"draining", 503},
};

const code_row* row(int ev) {
    if (ev < 1 || ev > static_cast<int>(std::size(k_codes))) return nullptr;
    return &k_codes[ev - 1];
}

class api_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.api"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        const auto* r = row(ev);
        return r ? r->name : "unknown";
    }
    int http_status(int ev) const noexcept override {
        const auto* r = row(ev);
        return r ? r->status : 500;
    }
};

}  // namespace

const error_category& api_category() noexcept {
    static const api_category_impl cat;
    return cat;
}

std::error_code make_error_code(api_errc e) noexcept {
    return {static_cast<int>(e), api_category()};
}

error make_error(api_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::api
