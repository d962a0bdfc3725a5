#include "domains/errors.hpp"

namespace herald::domains {
namespace {

constexpr error_row k_codes[] = {
    code_row(domain_errc::invalid_domain, "invalid_domain", 400),
    code_row(domain_errc::domain_exists, "domain_exists", 409),
    code_row(domain_errc::domain_not_found, "domain_not_found", 404),
    code_row(domain_errc::no_master_key, "no_master_key", 503),
    code_row(domain_errc::bad_master_key, "bad_master_key", 503),
    code_row(domain_errc::key_unsealable, "key_unsealable", 503),
    code_row(domain_errc::rotation_pending, "rotation_pending", 409),
};

}  // namespace

const error_category& domain_category() noexcept {
    static const table_category cat("herald.domains", k_codes);
    return cat;
}

std::error_code make_error_code(domain_errc e) noexcept {
    return {static_cast<int>(e), domain_category()};
}

error make_error(domain_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::domains
