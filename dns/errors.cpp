#include "dns/errors.hpp"

namespace herald::dns {
namespace {

// ---- dns_errc -----------------------------------------------------------------

class dns_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.dns"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<dns_errc>(ev)) {
            case dns_errc::nxdomain:
                return "dns_nxdomain";
            case dns_errc::nodata:
                return "dns_nodata";
            case dns_errc::timeout:
                return "dns_timeout";
            case dns_errc::servfail:
                return "dns_servfail";
            case dns_errc::refused:
                return "dns_refused";
            case dns_errc::unreachable:
                return "dns_unreachable";
            case dns_errc::bad_name:
                return "dns_bad_name";
            case dns_errc::bad_response:
                return "dns_bad_response";
            case dns_errc::cancelled:
                return "dns_cancelled";
            case dns_errc::failed:
                return "dns_failed";
        }
        return "unknown";
    }
    // A name the caller got wrong is its fault; a missing name is "not
    // found"; everything else is the DNS being unhelpful: a bad gateway,
    // or a gateway timeout when it did not answer at all.
    int http_status(int ev) const noexcept override {
        switch (static_cast<dns_errc>(ev)) {
            case dns_errc::bad_name:
                return 400;
            case dns_errc::nxdomain:
            case dns_errc::nodata:
                return 404;
            case dns_errc::timeout:
                return 504;
            case dns_errc::servfail:
            case dns_errc::refused:
            case dns_errc::unreachable:
            case dns_errc::bad_response:
                return 502;
            case dns_errc::cancelled:
                return 503;
            case dns_errc::failed:
                return 500;
        }
        return 500;
    }
};

// ---- route_errc ---------------------------------------------------------------

class route_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.route"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<route_errc>(ev)) {
            case route_errc::no_route_permanent:
                return "no_route_permanent";
            case route_errc::null_mx:
                return "null_mx";
            case route_errc::no_route_temporary:
                return "no_route_temporary";
            case route_errc::loop_refused:
                return "loop_refused";
        }
        return "unknown";
    }
    int http_status(int ev) const noexcept override {
        return is_permanent(static_cast<route_errc>(ev)) ? 422 : 503;
    }
};

}  // namespace

const error_category& dns_category() noexcept {
    static const dns_category_impl cat;
    return cat;
}

std::error_code make_error_code(dns_errc e) noexcept {
    return {static_cast<int>(e), dns_category()};
}

error make_error(dns_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

bool is_negative(const std::error_code& ec) noexcept {
    return ec == dns_errc::nxdomain || ec == dns_errc::nodata;
}

bool is_transient(const std::error_code& ec) noexcept {
    if (ec.category() != dns_category()) return false;
    switch (static_cast<dns_errc>(ec.value())) {
        case dns_errc::timeout:
        case dns_errc::servfail:
        case dns_errc::refused:
        case dns_errc::unreachable:
        case dns_errc::bad_response:
        case dns_errc::cancelled:
        case dns_errc::failed:
            return true;
        case dns_errc::nxdomain:
        case dns_errc::nodata:
        case dns_errc::bad_name:
            return false;
    }
    return false;
}

const error_category& route_category() noexcept {
    static const route_category_impl cat;
    return cat;
}

std::error_code make_error_code(route_errc e) noexcept {
    return {static_cast<int>(e), route_category()};
}

error make_error(route_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

bool is_permanent(route_errc e) noexcept {
    switch (e) {
        case route_errc::no_route_permanent:
        case route_errc::null_mx:
        case route_errc::loop_refused:
            return true;
        case route_errc::no_route_temporary:
            return false;
    }
    return false;
}

}  // namespace herald::dns
