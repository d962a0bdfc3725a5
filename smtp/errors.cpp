#include "smtp/errors.hpp"

namespace herald::smtp {
namespace {

class smtp_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.smtp"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<smtp_errc>(ev)) {
            case smtp_errc::invalid_envelope:
                return "invalid_envelope";
            case smtp_errc::connect_failed:
                return "connect_failed";
            case smtp_errc::timeout:
                return "timeout";
            case smtp_errc::connection_lost:
                return "connection_lost";
            case smtp_errc::protocol_error:
                return "protocol_error";
            case smtp_errc::reply_transient:
                return "smtp_4xx";
            case smtp_errc::reply_permanent:
                return "smtp_5xx";
            case smtp_errc::tls_unavailable:
                return "tls_unavailable";
            case smtp_errc::tls_failed:
                return "tls_failed";
            case smtp_errc::tls_verify_failed:
                return "tls_verify_failed";
            case smtp_errc::auth_unavailable:
                return "auth_unavailable";
            case smtp_errc::auth_insecure:
                return "auth_insecure";
            case smtp_errc::auth_failed:
                return "auth_failed";
            case smtp_errc::peer_size_exceeded:
                return "peer_size_exceeded";
            case smtp_errc::pool_timeout:
                return "pool_timeout";
            case smtp_errc::pool_closed:
                return "pool_closed";
            case smtp_errc::lease_lost:
                return "lease_lost";
            case smtp_errc::destination_suspended:
                return "destination_suspended";
            case smtp_errc::smtputf8_unsupported:
                return "smtputf8_unsupported";
        }
        return "unknown";
    }
    int http_status(int ev) const noexcept override {
        switch (static_cast<smtp_errc>(ev)) {
            case smtp_errc::invalid_envelope:
                return 400;
            case smtp_errc::peer_size_exceeded:
                return 413;
            case smtp_errc::connect_failed:
            case smtp_errc::connection_lost:
            case smtp_errc::protocol_error:
            case smtp_errc::reply_permanent:
            case smtp_errc::tls_unavailable:
            case smtp_errc::tls_failed:
            case smtp_errc::tls_verify_failed:
            case smtp_errc::auth_unavailable:
            case smtp_errc::auth_insecure:
            case smtp_errc::auth_failed:
            case smtp_errc::smtputf8_unsupported:
                return 502;
            case smtp_errc::reply_transient:
            case smtp_errc::pool_timeout:
            case smtp_errc::pool_closed:
            case smtp_errc::lease_lost:
            case smtp_errc::destination_suspended:
                return 503;
            case smtp_errc::timeout:
                return 504;
        }
        return 500;
    }
};

}  // namespace

const error_category& smtp_category() noexcept {
    static const smtp_category_impl cat;
    return cat;
}

std::error_code make_error_code(smtp_errc e) noexcept {
    return {static_cast<int>(e), smtp_category()};
}

error make_error(smtp_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::smtp
