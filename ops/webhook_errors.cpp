#include "ops/webhook_errors.hpp"

namespace herald::ops {
namespace {

constexpr error_row k_codes[] = {
    code_row(webhook_errc::invalid_url, "invalid_url", 400),
    code_row(webhook_errc::https_required, "https_required", 400),
    code_row(webhook_errc::address_refused, "address_refused", 400),
    code_row(webhook_errc::unresolvable, "unresolvable_host", 400),
    code_row(webhook_errc::dns_failed, "dns_failed", 503),
    code_row(webhook_errc::invalid_events, "invalid_events", 400),
    code_row(webhook_errc::endpoint_limit, "webhook_limit", 409),
    code_row(webhook_errc::endpoint_not_found, "webhook_not_found", 404),
    code_row(webhook_errc::batch_not_found, "batch_not_found", 404),
};

}  // namespace

const error_category& webhook_category() noexcept {
    static const table_category cat("herald.webhooks", k_codes);
    return cat;
}

std::error_code make_error_code(webhook_errc e) noexcept {
    return {static_cast<int>(e), webhook_category()};
}

error make_error(webhook_errc e, std::string detail, std::string field) {
    error out{make_error_code(e), std::move(detail)};
    out.field = std::move(field);
    return out;
}

}  // namespace herald::ops
