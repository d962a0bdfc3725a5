#include "smtp/errors.hpp"

namespace herald::smtp {
namespace {

class smtp_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.smtp"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<smtp_errc>(ev)) {
            case smtp_errc::header_injection:
                return "header_injection";
            case smtp_errc::invalid_address:
                return "invalid_address";
            case smtp_errc::invalid_header:
                return "invalid_header";
            case smtp_errc::reserved_header:
                return "reserved_header";
            case smtp_errc::invalid_attachment:
                return "invalid_attachment";
            case smtp_errc::message_too_large:
                return "message_too_large";
            case smtp_errc::dkim_invalid_key:
                return "dkim_invalid_key";
            case smtp_errc::dkim_failed:
                return "dkim_failed";
        }
        return "unknown";
    }
    int http_status(int ev) const noexcept override {
        switch (static_cast<smtp_errc>(ev)) {
            case smtp_errc::header_injection:
            case smtp_errc::invalid_address:
            case smtp_errc::invalid_header:
            case smtp_errc::reserved_header:
            case smtp_errc::invalid_attachment:
                return 400;
            case smtp_errc::message_too_large:
                return 413;
            case smtp_errc::dkim_invalid_key:
            case smtp_errc::dkim_failed:
                return 500;
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
