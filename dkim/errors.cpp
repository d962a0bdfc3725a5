#include "dkim/errors.hpp"

namespace herald::dkim {
namespace {

class dkim_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.dkim"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<dkim_errc>(ev)) {
            case dkim_errc::invalid_key:
                return "dkim_invalid_key";
            case dkim_errc::failed:
                return "dkim_failed";
        }
        return "unknown";
    }
    int http_status(int) const noexcept override { return 500; }
};

}  // namespace

const error_category& dkim_category() noexcept {
    static const dkim_category_impl cat;
    return cat;
}

std::error_code make_error_code(dkim_errc e) noexcept {
    return {static_cast<int>(e), dkim_category()};
}

error make_error(dkim_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::dkim
