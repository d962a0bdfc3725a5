// GET /dashboard and GET /dashboard/{asset}: the live dashboard's page and
// files, compiled into the binary (api/CMakeLists.txt embeds
// api/dashboard/ and uPlot's dist files from api/dashboard/node_modules,
// which scripts/install-deps fills from the lockfile), so herald serves
// them with no CDN and no files beside the binary. No key: the page asks
// the operator for one and sends it only to the API routes.
//
// Every answer carries a Content-Security-Policy that allows nothing but
// herald itself: no inline script or style, no other origin, no framing.
#include "api/errors.hpp"
#include "api/handlers.hpp"

#include <array>

namespace herald::embedded {
extern const std::string_view dashboard_html;
extern const std::string_view dashboard_js;
extern const std::string_view dashboard_css;
extern const std::string_view dashboard_favicon;
extern const std::string_view uplot_js;
extern const std::string_view uplot_css;
}  // namespace herald::embedded

namespace herald::api::handlers {
namespace {

constexpr std::string_view k_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct asset {
    std::string_view name;
    std::string_view type;
    const std::string_view* body;
};

// The names index.html refers to; anything else is 404.
const std::array k_assets{
    asset{"dashboard.js", "text/javascript; charset=utf-8", &embedded::dashboard_js},
    asset{"dashboard.css", "text/css; charset=utf-8", &embedded::dashboard_css},
    asset{"favicon.svg", "image/svg+xml", &embedded::dashboard_favicon},
    asset{"uPlot.iife.min.js", "text/javascript; charset=utf-8", &embedded::uplot_js},
    asset{"uPlot.min.css", "text/css; charset=utf-8", &embedded::uplot_css},
};

response file_answer(std::string_view type, std::string_view body) {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, type);
    res.set("Content-Security-Policy", k_policy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    // The files change with the binary: a browser asks again each load.
    res.set(http::field::cache_control, "no-cache");
    res.body() = std::string(body);
    res.prepare_payload();
    return res;
}

}  // namespace

awaitable<response> dashboard_page(request&) {
    co_return file_answer("text/html; charset=utf-8", embedded::dashboard_html);
}

awaitable<response> dashboard_asset(request& r) {
    for (const auto& a : k_assets)
        if (a.name == r.params[0]) co_return file_answer(a.type, *a.body);
    co_return error_answer(make_error(api_errc::not_found, "no such dashboard file"));
}

}  // namespace herald::api::handlers
