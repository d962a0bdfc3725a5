// herald's configuration: one TOML file plus HERALD_<SECTION>_<KEY>
// environment overrides, validated once at start-up and then shared
// read-only. The defaults run everything on a single machine.
//
// Errors: load_config never throws for bad input; it returns the config it
// could build together with *every* problem found (syntax, unknown keys,
// wrong types, out-of-range values, bad environment values), each located
// as "file:line:col" or "env HERALD_X". A caller must refuse to start
// unless ok().
//
// Limits: a TOML syntax error stops parsing, so only the first one is
// reported. Integers that do not fit their field are errors, never
// truncated. Unknown HERALD_* variables cannot be detected (getenv cannot
// enumerate) and are ignored.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct redis_config {
    std::string url;  // empty = `herald up` starts its own redis-server (see local_config)
    std::uint32_t timeout_ms = 5000;  // must exceed queue.block_ms, or every BLOCK times out
    std::uint32_t connect_timeout_ms = 2000;
};

struct queue_config {
    std::uint32_t shards = 16;
    std::uint32_t batch = 128;
    std::uint32_t block_ms = 200;
    std::uint32_t inflight = 256;
    // Send leases (queue/lease_keeper): held while a message is sent and
    // until its outcome is written, renewed every renew_interval_ms. The
    // config check keeps 3 x (renew_interval_ms + redis.timeout_ms) below
    // lease_ms and lease_ms below reclaim_idle_ms.
    std::uint32_t lease_ms = 30000;
    std::uint32_t renew_interval_ms = 2000;
    std::uint32_t reclaim_idle_ms = 60000;
    std::uint32_t reclaim_interval_ms = 5000;
    std::uint32_t schedule_interval_ms = 200;
    std::uint32_t max_attempts = 50;          // a safety cap: time (max_age_s) ends a message
    std::uint32_t backoff_base_ms = 60000;    // queue/backoff.hpp: 1, 2, 4 ... minutes
    std::uint32_t backoff_cap_ms = 14400000;  // ... up to every 4 hours
    std::uint64_t max_age_s = 86400;
    std::uint64_t delivered_ttl_s = 604800;
    std::uint32_t dead_max = 100000;
    std::uint64_t max_message_bytes = 10485760;
    std::uint32_t drain_timeout_ms = 10000;
    // A consumer of the group with no pending entries, idle this long, is
    // a worker gone: the reclaimer removes it (queue/consumers). Above
    // reclaim_idle_ms, checked by the config check.
    std::uint32_t consumer_idle_ms = 3600000;
};

// Admission guards (dedupe/): defaults for every tenant, published into
// Redis at start-up; `herald tenant set` overrides them per tenant.
struct dedupe_config {
    std::uint64_t window_ms = 600000;  // 0 turns dedupe off
    std::uint64_t idempotency_ttl_s = 86400;
};

struct breaker_config {
    std::uint32_t content_max = 20;  // repeats of one message per window
    std::uint64_t content_window_s = 3600;
    std::uint32_t recipient_max = 100;  // messages to one recipient per window
    std::uint64_t recipient_window_s = 3600;
    std::uint32_t rate_factor = 10;            // x the tenant's own baseline
    std::uint32_t rate_floor_per_min = 10000;  // never trips below this
    std::uint32_t rate_baseline_min = 60;      // the baseline's span
    std::uint64_t cooloff_s = 300;             // open, then half-open as long
    std::uint64_t halfopen_interval_s = 10;    // one message per interval
};

// Rate limits and quotas (ratelimit/): per-tenant defaults, published into
// Redis like the guards'; 0 means no limit.
struct limits_config {
    std::uint32_t email_per_sec = 0, email_burst = 0;  // sends, per tenant
    std::uint32_t sms_per_sec = 0, sms_burst = 0;
    std::uint32_t sms_sender_per_sec = 0, sms_sender_burst = 0;  // segments, per sender number
    std::uint32_t domain_per_sec = 0, domain_burst = 0;    // per destination domain, all tenants
    std::uint64_t email_per_day = 0, email_per_month = 0;  // volume quotas (UTC)
    std::uint64_t sms_per_day = 0, sms_per_month = 0;      // in segments
    std::uint64_t queued_bytes = 268435456;  // storage quota: what one tenant may have queued
    std::uint64_t queued_messages = 500000;
};

// When herald refuses new work to protect Redis and its disk.
struct watermarks_config {
    std::uint32_t memory_percent = 80;     // of Redis maxmemory
    std::uint64_t disk_min_free_mb = 512;  // free space of the Redis data folder
    std::string data_dir;                  // that folder; `herald up` fills it in
    std::uint32_t interval_ms = 1000;
    std::uint32_t usage_recount_s = 600;  // storage accounting recounted from what is queued
};

// The SMTP transport (smtp/): relay through a smarthost, or direct to the
// recipients' MX hosts. Used when transport.kind = "smtp".
struct smtp_config {
    std::string mode = "relay";  // relay | direct
    std::string relay_host;      // the smarthost, for relay
    std::uint16_t relay_port = 587;
    std::string tls = "required";  // none | opportunistic | required (relay default)
    std::uint32_t verify_tls = 1;  // verify the peer's certificate and name
    std::string ca_file;           // empty: the system's CAs
    std::string auth_user, auth_password;
    std::string ehlo_name;               // empty: the host name
    std::uint32_t max_connections = 16;  // per destination
    std::uint32_t messages_per_connection = 100;
    std::uint32_t idle_timeout_ms = 30000;
    std::uint32_t pipelining = 1;
    std::uint32_t allow_private = 0;  // direct: allow loopback/private MX targets (tests only)
    std::string dns_servers;          // direct: "ip:port,..."; empty: /etc/resolv.conf
    std::uint16_t direct_port = 25;   // direct: the MX hosts' port (tests use another)
    std::uint32_t final_dot_timeout_ms = 600000;  // RFC 5321 §4.5.3.2.6: 10 minutes
    // After the final dot with no answer the peer may have the message:
    // "delivered" (never resend; the default) or "deferred" (retry, may duplicate).
    std::string unknown_outcome = "delivered";
    // Destination health (ratelimit/destination_health.hpp): this many
    // failures of a whole relay or MX host in a row suspend it for
    // destination_suspend_ms, doubling while it keeps failing up to the max.
    std::uint32_t destination_failures = 5;
    std::uint32_t destination_suspend_ms = 30000;
    std::uint32_t destination_suspend_max_ms = 600000;
};

struct dkim_config {
    std::string signer = "cached_key";  // cached_key | opendkim (the reference)
    std::string keys_dir;               // <dir>/<domain>/<selector>.pem
    std::uint32_t threads = 0;          // signing threads; 0 = one per core
};

// Which transport sends each channel. transport.kind is the email setting
// of older configs: transport.email wins when both are given.
struct transport_config {
    std::string kind = "capture";  // capture | smtp: email, as transport.email
    std::string email;             // capture | smtp; empty: kind
    std::string sms = "capture";   // capture | providers
    std::string capture_dir = "var/capture";

    const std::string& email_transport() const { return email.empty() ? kind : email; }
};

// One SMS provider account ([[sms.providers]]): the adapter that speaks its
// API (sms/providers/), where it is, and its credentials (never shown).
struct sms_provider_config {
    std::string name;  // [a-z0-9_-], unique: tenants list providers by it
    std::string kind;  // twilio | vonage | http | kannel
    std::string base_url;
    std::string account;                // twilio: account SID; vonage: api_key; kannel: username
    std::string secret;                 // twilio: auth token; vonage: api_secret; kannel: password
    std::string from;                   // the sender when a message names none
    std::string messaging_service_sid;  // twilio: sends through the service, not `From`
    // How receipts prove they come from the provider: vonage's signature
    // secret; the shared secret of the http and kannel kinds. Twilio signs
    // with the auth token.
    std::string signature_secret;
    std::string method = "POST";       // http: GET | POST
    std::vector<std::string> headers;  // http: "Name: value", {field}s expanded
    std::string body;                  // http: the JSON body template, {field}s expanded
    std::string id_field = "id";       // http: the answer's JSON field with the provider's id
    std::uint32_t max_inflight = 64;   // requests in flight from one process
    std::uint32_t per_sec = 0;         // segments per second, all processes; 0: no limit
};

// The SMS transport (sms/), used when transport.sms = "providers".
struct sms_config {
    std::vector<sms_provider_config> providers;
    std::string providers_default;      // "a,b": tenants' order when they set none; empty: all
    std::string default_region = "US";  // national numbers (ISO 3166 region, libphonenumber)
    std::uint32_t max_segments = 10;    // longer texts are refused (tenants' sms.max_segments)
    // herald's public base URL for delivery receipts ({status_url}/v1/sms/status/<provider>);
    // empty: no receipts are asked for.
    std::string status_url;
    std::string ca_file;  // empty: the system's CAs
    std::uint32_t connect_timeout_ms = 5000;
    std::uint32_t request_timeout_ms = 15000;
    // A provider failing this many requests in a row is skipped by every
    // process for provider_down_ms, doubling while it keeps failing.
    std::uint32_t provider_failures = 5;
    std::uint32_t provider_down_ms = 30000;
    std::uint32_t provider_down_max_ms = 600000;
};

struct local_config {
    std::string data_dir = "var/redis";
    std::uint16_t port = 6390;
    std::string redis_server = "redis-server";
    std::uint64_t maxmemory_mb = 1024;  // the ceiling the memory watermark works against
};

// The HTTP API (api/): `herald serve`, and `herald up` on its local stack.
struct api_config {
    std::string listen = "127.0.0.1:8025";    // host:port; [v6]:port for IPv6
    std::uint32_t threads = 0;                // io_context threads; 0 = one per core
    std::uint64_t max_body_bytes = 16777216;  // 413 past it
    std::uint32_t max_header_bytes = 16384;   // the request line and headers
    std::uint32_t max_connections = 10000;    // 503 past it
    std::uint32_t max_batch = 1000;           // messages per POST /v1/messages/batch
    std::uint32_t header_timeout_ms = 10000;  // the whole header, from its first byte
    std::uint32_t body_timeout_ms = 30000;    // the whole body
    std::uint32_t idle_timeout_ms = 60000;    // keep-alive between requests
    std::uint32_t key_cache_ms = 5000;        // a revoked key works at most this long
    std::string admin_key;                    // or HERALD_API_ADMIN_KEY; never shown
};

// Sender domains (domains/): what a tenant publishes, how often herald
// checks it, and the key that seals DKIM private keys at rest.
struct domains_config {
    std::uint32_t require_verified = 1;  // refuse mail From a domain not verified for the tenant
    std::string master_key_file;         // or HERALD_MASTER_KEY: 32 bytes, base64 or hex
    std::string spf_include;             // SPF: "include:<this>"; else ip4:/ip6: of sending_ips
    std::string sending_ips;             // "ip,ip,..." the addresses herald sends from
    std::string dkim_cname_zone;         // DKIM by CNAME to <selector>.<domain>.<zone>
    std::string dmarc_rua;               // the DMARC recommendation's rua= (mailto:...)
    std::string return_path_host;        // bounce domain: CNAME target of the return path
    std::string dns_servers;             // "ip:port,..." for verification; empty: resolv.conf
    std::uint32_t recheck_h = 24;        // verified domains are checked again this often
    std::uint32_t grace_h = 72;          // a regressed domain keeps sending this long
    std::uint32_t rotate_grace_h = 48;   // a rotated-out key stays published this long
    std::uint32_t max_per_tenant = 1000;
};

// Ops visibility (ops/): events, webhooks, metrics.
struct events_config {
    // Per-message events (accepted ... delivered) beside the guard events,
    // which are always written; a tenant's events.messages overrides it.
    std::uint32_t messages = 1;
};

struct webhooks_config {
    std::uint32_t allow_http = 0;            // 1: http:// endpoints too (tests, private setups)
    std::uint32_t allow_private = 0;         // 1: loopback, private and link-local targets too
    std::string ca_file;                     // empty: the system's CAs
    std::uint32_t max_endpoints = 10;        // per tenant
    std::uint32_t batch_max = 100;           // events per POST
    std::uint32_t timeout_ms = 10000;        // one POST, connect included
    std::uint32_t backoff_base_ms = 1000;    // first retry, doubling, with jitter
    std::uint32_t backoff_cap_ms = 3600000;  // the longest wait between tries
    std::uint32_t retry_budget_s = 86400;    // then the batch is dead-lettered
    std::uint32_t max_pending = 1000;        // batches waiting per endpoint
    std::uint32_t dead_max = 1000;           // dead-lettered batches per tenant
};

struct metrics_config {
    // `herald work`'s own /metrics listener; `serve` and `up` answer
    // /metrics on the API's port. Empty: `work` exposes none.
    std::string listen = "127.0.0.1:9465";
};

struct log_config {
    std::string level = "info";  // debug, info, warn, error
    std::string format = "kv";   // kv, json
};

struct config {
    redis_config redis;
    queue_config queue;
    dedupe_config dedupe;
    breaker_config breaker;
    limits_config limits;
    watermarks_config watermarks;
    smtp_config smtp;
    dkim_config dkim;
    transport_config transport;
    local_config local;
    api_config api;
    domains_config domains;
    sms_config sms;
    events_config events;
    webhooks_config webhooks;
    metrics_config metrics;
    log_config log;
};

struct config_problem {
    std::string where;  // "file:line:col", "file" or "env HERALD_X"
    std::string message;
};

struct config_load {
    config cfg;  // defaults, overridden by every value that was valid
    std::vector<config_problem> problems;
    // "section.key" of every value the file or the environment gave, so a
    // command can change a default that nobody chose (herald up).
    std::vector<std::string> given;
    bool ok() const { return problems.empty(); }
    bool was_given(std::string_view dotted) const {
        return std::find(given.begin(), given.end(), dotted) != given.end();
    }
};

// Loads `path` (empty = defaults only), then applies HERALD_<SECTION>_<KEY>
// overrides (upper case, e.g. HERALD_REDIS_URL, HERALD_QUEUE_SHARDS) read
// through `getenv`, then checks the rules that span several keys.
config_load load_config(const std::string& path,
                        const std::function<const char*(const char*)>& getenv = ::getenv);

// Every effective setting as `section.key = value` lines (strings quoted
// TOML-style, so the output is itself a valid config file), for
// `herald config show`. The password in redis.url is masked as ***.
std::string describe(const config& c);

// "host:port" or "[v6]:port" with a port in 0..65535 (0: any free port), split; nothing when
// the text is not of that form.
struct host_port {
    std::string host;
    std::uint16_t port = 0;
};
std::optional<host_port> parse_host_port(std::string_view text);

// The URL with its password (userinfo after ':', or the whole userinfo
// when it has no ':', and any `password=` query value) replaced by ***.
std::string mask_url_password(const std::string& url);

}  // namespace herald
