// Every route's handler (api/routes.cpp puts them in the table).
#pragma once

#include "api/http.hpp"

namespace herald::api::handlers {

using boost::asio::awaitable;

awaitable<response> healthz(request&);
awaitable<response> readyz(request&);
awaitable<response> openapi(request&);
// Prometheus' scrape (api/metrics.cpp).
awaitable<response> metrics(request&);

// The live dashboard's page and files (api/dashboard.cpp).
awaitable<response> dashboard_page(request&);
awaitable<response> dashboard_asset(request&);

awaitable<response> post_message(request&);
awaitable<response> post_batch(request&);
awaitable<response> get_message(request&);

awaitable<response> list_suppressions(request&);
awaitable<response> add_suppression(request&);
awaitable<response> remove_suppression(request&);

// The SMS providers' callbacks (api/sms.cpp).
awaitable<response> sms_status(request&);
awaitable<response> sms_inbound(request&);

awaitable<response> add_domain(request&);
awaitable<response> list_domains(request&);
awaitable<response> show_domain(request&);
awaitable<response> verify_domain(request&);
awaitable<response> rotate_domain(request&);
awaitable<response> remove_domain(request&);

awaitable<response> create_tenant(request&);
awaitable<response> list_tenants(request&);
awaitable<response> show_tenant(request&);
awaitable<response> patch_tenant(request&);
awaitable<response> pause_tenant(request&);
awaitable<response> resume_tenant(request&);
awaitable<response> reset_breaker(request&);
awaitable<response> open_breaker(request&);

awaitable<response> create_key(request&);
awaitable<response> list_keys(request&);
awaitable<response> revoke_key(request&);

// Live rates (api/stats.cpp): an admin key or a tenant key.
awaitable<response> stats_rates(request&);

// Signed webhooks (api/webhooks.cpp).
awaitable<response> create_webhook(request&);
awaitable<response> list_webhooks(request&);
awaitable<response> remove_webhook(request&);
awaitable<response> list_webhook_dead(request&);
awaitable<response> replay_webhook_dead(request&);
awaitable<response> replay_webhook_dead_all(request&);

awaitable<response> list_dead(request&);
awaitable<response> requeue_dead(request&);
awaitable<response> purge_dead(request&);

}  // namespace herald::api::handlers
