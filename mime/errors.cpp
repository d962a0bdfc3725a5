#include "mime/errors.hpp"

namespace herald::mime {
namespace {

class mime_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.mime"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<mime_errc>(ev)) {
            case mime_errc::header_injection:
                return "header_injection";
            case mime_errc::invalid_address:
                return "invalid_address";
            case mime_errc::invalid_header:
                return "invalid_header";
            case mime_errc::reserved_header:
                return "reserved_header";
            case mime_errc::invalid_attachment:
                return "invalid_attachment";
            case mime_errc::message_too_large:
                return "message_too_large";
        }
        return "unknown";
    }
    int http_status(int ev) const noexcept override {
        return static_cast<mime_errc>(ev) == mime_errc::message_too_large ? 413 : 400;
    }
};

}  // namespace

const error_category& mime_category() noexcept {
    static const mime_category_impl cat;
    return cat;
}

std::error_code make_error_code(mime_errc e) noexcept {
    return {static_cast<int>(e), mime_category()};
}

error make_error(mime_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::mime
