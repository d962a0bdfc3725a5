#include "api/routes.hpp"

#include "api/handlers.hpp"

#include <array>

namespace herald::api {
namespace {

using namespace handlers;

// clang-format off
constexpr std::array k_routes{
    route{"GET",    "/healthz",                                access::anyone, healthz},
    route{"GET",    "/readyz",                                 access::anyone, readyz},
    route{"GET",    "/v1/openapi.yaml",                        access::anyone, openapi},
    route{"GET",    "/metrics",                                access::anyone, metrics},
    route{"GET",    "/dashboard",                              access::anyone, dashboard_page},
    route{"GET",    "/dashboard/{asset}",                      access::anyone, dashboard_asset},

    route{"POST",   "/v1/messages",                            access::tenant, post_message},
    route{"POST",   "/v1/messages/batch",                      access::tenant, post_batch},
    route{"GET",    "/v1/messages/{id}",                       access::tenant, get_message},

    route{"GET",    "/v1/suppressions",                        access::tenant, list_suppressions},
    route{"POST",   "/v1/suppressions",                        access::tenant, add_suppression},
    route{"DELETE", "/v1/suppressions/{address}",              access::tenant, remove_suppression},

    route{"POST",   "/v1/sms/status/{provider}",               access::anyone, sms_status},
    route{"GET",    "/v1/sms/status/{provider}",               access::anyone, sms_status},
    route{"POST",   "/v1/sms/inbound/{provider}",              access::anyone, sms_inbound},
    route{"GET",    "/v1/sms/inbound/{provider}",              access::anyone, sms_inbound},

    route{"POST",   "/v1/webhooks",                            access::any_key, create_webhook},
    route{"GET",    "/v1/webhooks",                            access::any_key, list_webhooks},
    route{"GET",    "/v1/webhooks/dead",                       access::any_key, list_webhook_dead},
    route{"POST",   "/v1/webhooks/dead/replay",                access::any_key, replay_webhook_dead_all},
    route{"POST",   "/v1/webhooks/dead/{id}/replay",           access::any_key, replay_webhook_dead},
    route{"DELETE", "/v1/webhooks/{id}",                       access::any_key, remove_webhook},

    route{"POST",   "/v1/domains",                             access::tenant, add_domain},
    route{"GET",    "/v1/domains",                             access::tenant, list_domains},
    route{"GET",    "/v1/domains/{domain}",                    access::tenant, show_domain},
    route{"DELETE", "/v1/domains/{domain}",                    access::tenant, remove_domain},
    route{"POST",   "/v1/domains/{domain}/verify",             access::tenant, verify_domain},
    route{"POST",   "/v1/domains/{domain}/rotate",             access::tenant, rotate_domain},

    route{"POST",   "/v1/tenants",                             access::admin,  create_tenant},
    route{"GET",    "/v1/tenants",                             access::admin,  list_tenants},
    route{"GET",    "/v1/tenants/{t}",                    access::admin,  show_tenant},
    route{"PATCH",  "/v1/tenants/{t}",                    access::admin,  patch_tenant},
    route{"POST",   "/v1/tenants/{t}/pause",              access::admin,  pause_tenant},
    route{"POST",   "/v1/tenants/{t}/resume",             access::admin,  resume_tenant},
    route{"POST",   "/v1/tenants/{t}/breakers/{kind}/reset", access::admin, reset_breaker},
    route{"POST",   "/v1/tenants/{t}/breakers/{kind}/open",  access::admin, open_breaker},
    route{"POST",   "/v1/tenants/{t}/keys",               access::admin,  create_key},
    route{"GET",    "/v1/tenants/{t}/keys",               access::admin,  list_keys},
    route{"DELETE", "/v1/tenants/{t}/keys/{id}",          access::admin,  revoke_key},
    route{"GET",    "/v1/stats/rates",                    access::any_key, stats_rates},
    route{"GET",    "/v1/tenants/{t}/dead",               access::admin,  list_dead},
    route{"POST",   "/v1/tenants/{t}/dead/{id}/requeue",  access::admin,  requeue_dead},
    route{"DELETE", "/v1/tenants/{t}/dead",               access::admin,  purge_dead},
};
// clang-format on

// The template's segments, split once per call; paths are short.
bool matches(std::string_view tmpl, const std::vector<std::string>& segments,
             std::vector<std::string>& params) {
    params.clear();
    tmpl.remove_prefix(1);
    std::size_t i = 0;
    while (!tmpl.empty()) {
        const auto slash = tmpl.find('/');
        const auto part = tmpl.substr(0, slash);
        tmpl = slash == std::string_view::npos ? std::string_view{} : tmpl.substr(slash + 1);
        if (i >= segments.size()) return false;
        if (part.starts_with('{')) {
            if (segments[i].empty()) return false;
            params.push_back(segments[i]);
        } else if (part != segments[i]) {
            return false;
        }
        ++i;
    }
    return i == segments.size();
}

}  // namespace

std::span<const route> routes() {
    return k_routes;
}

route_match match_route(std::string_view method, const std::vector<std::string>& segments) {
    route_match m;
    std::vector<std::string> params;
    for (const auto& r : k_routes) {
        if (!matches(r.path, segments, params)) continue;
        // "/v1/messages/batch" is also "/v1/messages/{id}": the literal
        // route comes first in the table and wins.
        if (r.method != method) {
            if (!m.allowed.empty()) m.allowed += ", ";
            m.allowed += r.method;
            continue;
        }
        m.found = &r;
        m.params = std::move(params);
        return m;
    }
    return m;
}

}  // namespace herald::api
