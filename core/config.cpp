#include "core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>

namespace herald {
namespace {

// ---------------------------------------------------------------------------
// The table of settings: adding a key is one line in k_fields.

struct field_spec {
    std::string_view section;
    std::string_view key;
    bool is_text = false;
    // Integer fields. `max` is already capped to the field's type.
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    void (*set_int)(config&, std::uint64_t) = nullptr;
    std::uint64_t (*get_int)(const config&) = nullptr;
    // Text fields.
    std::span<const std::string_view> choices;  // empty: any value
    bool nonempty = false;
    bool masked_url = false;  // describe() hides the password
    bool secret = false;      // describe() hides the whole value
    bool host_port = false;   // "host:port" (parse_host_port)
    bool unset_ok = false;    // "" is allowed besides the choices (another key decides)
    void (*set_text)(config&, std::string) = nullptr;
    const std::string& (*get_text)(const config&) = nullptr;
};

template <auto Section, auto Member>
constexpr field_spec int_field(std::string_view section, std::string_view key,
                               std::uint64_t min = 0,
                               std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    using T = std::remove_cvref_t<decltype((std::declval<config&>().*Section).*Member)>;
    static_assert(std::is_unsigned_v<T>);
    field_spec f;
    f.section = section;
    f.key = key;
    f.min = min;
    f.max = std::min<std::uint64_t>(max, std::numeric_limits<T>::max());
    f.set_int = [](config& c, std::uint64_t v) { (c.*Section).*Member = static_cast<T>(v); };
    f.get_int = [](const config& c) -> std::uint64_t { return (c.*Section).*Member; };
    return f;
}

struct text_rules {
    std::span<const std::string_view> choices = {};
    bool nonempty = false;
    bool masked_url = false;
    bool secret = false;
    bool host_port = false;
    bool unset_ok = false;
};

template <auto Section, auto Member>
constexpr field_spec text_field(std::string_view section, std::string_view key,
                                text_rules rules = {}) {
    field_spec f;
    f.section = section;
    f.key = key;
    f.is_text = true;
    f.choices = rules.choices;
    f.nonempty = rules.nonempty;
    f.masked_url = rules.masked_url;
    f.secret = rules.secret;
    f.host_port = rules.host_port;
    f.unset_ok = rules.unset_ok;
    f.set_text = [](config& c, std::string v) { (c.*Section).*Member = std::move(v); };
    f.get_text = [](const config& c) -> const std::string& { return (c.*Section).*Member; };
    return f;
}

constexpr std::array<std::string_view, 2> k_transport_kinds{"capture", "smtp"};
constexpr std::array<std::string_view, 2> k_sms_transports{"capture", "providers"};
constexpr std::array<std::string_view, 2> k_smtp_modes{"relay", "direct"};
constexpr std::array<std::string_view, 3> k_tls_modes{"none", "opportunistic", "required"};
constexpr std::array<std::string_view, 2> k_dkim_signers{"cached_key", "opendkim"};
constexpr std::array<std::string_view, 2> k_unknown_policies{"delivered", "deferred"};
constexpr std::array<std::string_view, 4> k_log_levels{"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 2> k_log_formats{"kv", "json"};

constexpr std::uint64_t k_u32_max = std::numeric_limits<std::uint32_t>::max();
// Redis refuses bulk strings above proto-max-bulk-len (512 MB by default).
constexpr std::uint64_t k_max_message_bytes = 512ull * 1024 * 1024;

using C = config;
constexpr std::array k_fields{
    text_field<&C::redis, &redis_config::url>("redis", "url", {.masked_url = true}),
    int_field<&C::redis, &redis_config::timeout_ms>("redis", "timeout_ms", 1),
    int_field<&C::redis, &redis_config::connect_timeout_ms>("redis", "connect_timeout_ms", 1),

    int_field<&C::queue, &queue_config::shards>("queue", "shards", 1, 16384),
    int_field<&C::queue, &queue_config::batch>("queue", "batch", 1, 10000),
    // 0 would make XREADGROUP block forever and never notice shutdown.
    int_field<&C::queue, &queue_config::block_ms>("queue", "block_ms", 1),
    int_field<&C::queue, &queue_config::inflight>("queue", "inflight", 1),
    int_field<&C::queue, &queue_config::lease_ms>("queue", "lease_ms", 1),
    int_field<&C::queue, &queue_config::renew_interval_ms>("queue", "renew_interval_ms", 1),
    int_field<&C::queue, &queue_config::reclaim_idle_ms>("queue", "reclaim_idle_ms", 1),
    int_field<&C::queue, &queue_config::reclaim_interval_ms>("queue", "reclaim_interval_ms", 1),
    int_field<&C::queue, &queue_config::schedule_interval_ms>("queue", "schedule_interval_ms", 1),
    int_field<&C::queue, &queue_config::max_attempts>("queue", "max_attempts", 1),
    int_field<&C::queue, &queue_config::backoff_base_ms>("queue", "backoff_base_ms"),
    int_field<&C::queue, &queue_config::backoff_cap_ms>("queue", "backoff_cap_ms"),
    int_field<&C::queue, &queue_config::max_age_s>("queue", "max_age_s", 1),
    int_field<&C::queue, &queue_config::delivered_ttl_s>("queue", "delivered_ttl_s", 1),
    int_field<&C::queue, &queue_config::dead_max>("queue", "dead_max"),
    int_field<&C::queue, &queue_config::max_message_bytes>("queue", "max_message_bytes", 1,
                                                           k_max_message_bytes),
    int_field<&C::queue, &queue_config::drain_timeout_ms>("queue", "drain_timeout_ms"),
    int_field<&C::queue, &queue_config::consumer_idle_ms>("queue", "consumer_idle_ms", 1),

    int_field<&C::dedupe, &dedupe_config::window_ms>("dedupe", "window_ms"),
    int_field<&C::dedupe, &dedupe_config::idempotency_ttl_s>("dedupe", "idempotency_ttl_s", 1),

    int_field<&C::breaker, &breaker_config::content_max>("breaker", "content_max", 1),
    int_field<&C::breaker, &breaker_config::content_window_s>("breaker", "content_window_s", 1),
    int_field<&C::breaker, &breaker_config::recipient_max>("breaker", "recipient_max", 1),
    int_field<&C::breaker, &breaker_config::recipient_window_s>("breaker", "recipient_window_s", 1),
    int_field<&C::breaker, &breaker_config::rate_factor>("breaker", "rate_factor", 1),
    int_field<&C::breaker, &breaker_config::rate_floor_per_min>("breaker", "rate_floor_per_min", 1),
    int_field<&C::breaker, &breaker_config::rate_baseline_min>("breaker", "rate_baseline_min", 1),
    int_field<&C::breaker, &breaker_config::cooloff_s>("breaker", "cooloff_s", 1),
    int_field<&C::breaker, &breaker_config::halfopen_interval_s>("breaker", "halfopen_interval_s",
                                                                 1),

    int_field<&C::limits, &limits_config::email_per_sec>("limits", "email_per_sec"),
    int_field<&C::limits, &limits_config::email_burst>("limits", "email_burst"),
    int_field<&C::limits, &limits_config::sms_per_sec>("limits", "sms_per_sec"),
    int_field<&C::limits, &limits_config::sms_burst>("limits", "sms_burst"),
    int_field<&C::limits, &limits_config::sms_sender_per_sec>("limits", "sms_sender_per_sec"),
    int_field<&C::limits, &limits_config::sms_sender_burst>("limits", "sms_sender_burst"),
    int_field<&C::limits, &limits_config::domain_per_sec>("limits", "domain_per_sec"),
    int_field<&C::limits, &limits_config::domain_burst>("limits", "domain_burst"),
    int_field<&C::limits, &limits_config::email_per_day>("limits", "email_per_day"),
    int_field<&C::limits, &limits_config::email_per_month>("limits", "email_per_month"),
    int_field<&C::limits, &limits_config::sms_per_day>("limits", "sms_per_day"),
    int_field<&C::limits, &limits_config::sms_per_month>("limits", "sms_per_month"),
    int_field<&C::limits, &limits_config::queued_bytes>("limits", "queued_bytes"),
    int_field<&C::limits, &limits_config::queued_messages>("limits", "queued_messages"),

    int_field<&C::watermarks, &watermarks_config::memory_percent>("watermarks", "memory_percent", 1,
                                                                  100),
    int_field<&C::watermarks, &watermarks_config::disk_min_free_mb>("watermarks",
                                                                    "disk_min_free_mb"),
    text_field<&C::watermarks, &watermarks_config::data_dir>("watermarks", "data_dir"),
    int_field<&C::watermarks, &watermarks_config::interval_ms>("watermarks", "interval_ms", 10),
    int_field<&C::watermarks, &watermarks_config::usage_recount_s>("watermarks", "usage_recount_s",
                                                                   1),

    text_field<&C::smtp, &smtp_config::mode>("smtp", "mode", {.choices = k_smtp_modes}),
    text_field<&C::smtp, &smtp_config::relay_host>("smtp", "relay_host"),
    int_field<&C::smtp, &smtp_config::relay_port>("smtp", "relay_port", 1, 65535),
    text_field<&C::smtp, &smtp_config::tls>("smtp", "tls", {.choices = k_tls_modes}),
    int_field<&C::smtp, &smtp_config::verify_tls>("smtp", "verify_tls", 0, 1),
    text_field<&C::smtp, &smtp_config::ca_file>("smtp", "ca_file"),
    text_field<&C::smtp, &smtp_config::auth_user>("smtp", "auth_user"),
    text_field<&C::smtp, &smtp_config::auth_password>("smtp", "auth_password", {.secret = true}),
    text_field<&C::smtp, &smtp_config::ehlo_name>("smtp", "ehlo_name"),
    int_field<&C::smtp, &smtp_config::max_connections>("smtp", "max_connections", 1, 10000),
    int_field<&C::smtp, &smtp_config::messages_per_connection>("smtp", "messages_per_connection",
                                                               1),
    int_field<&C::smtp, &smtp_config::idle_timeout_ms>("smtp", "idle_timeout_ms", 1),
    int_field<&C::smtp, &smtp_config::pipelining>("smtp", "pipelining", 0, 1),
    int_field<&C::smtp, &smtp_config::allow_private>("smtp", "allow_private", 0, 1),
    text_field<&C::smtp, &smtp_config::dns_servers>("smtp", "dns_servers"),
    int_field<&C::smtp, &smtp_config::direct_port>("smtp", "direct_port", 1, 65535),
    int_field<&C::smtp, &smtp_config::final_dot_timeout_ms>("smtp", "final_dot_timeout_ms", 1),
    text_field<&C::smtp, &smtp_config::unknown_outcome>("smtp", "unknown_outcome",
                                                        {.choices = k_unknown_policies}),
    int_field<&C::smtp, &smtp_config::destination_failures>("smtp", "destination_failures", 1),
    int_field<&C::smtp, &smtp_config::destination_suspend_ms>("smtp", "destination_suspend_ms", 1),
    int_field<&C::smtp, &smtp_config::destination_suspend_max_ms>("smtp",
                                                                  "destination_suspend_max_ms", 1),
    text_field<&C::dkim, &dkim_config::signer>("dkim", "signer", {.choices = k_dkim_signers}),
    text_field<&C::dkim, &dkim_config::keys_dir>("dkim", "keys_dir"),
    int_field<&C::dkim, &dkim_config::threads>("dkim", "threads", 0, 256),

    text_field<&C::transport, &transport_config::kind>("transport", "kind",
                                                       {.choices = k_transport_kinds}),
    text_field<&C::transport, &transport_config::capture_dir>("transport", "capture_dir",
                                                              {.nonempty = true}),
    text_field<&C::transport, &transport_config::email>(
        "transport", "email", {.choices = k_transport_kinds, .unset_ok = true}),
    text_field<&C::transport, &transport_config::sms>("transport", "sms",
                                                      {.choices = k_sms_transports}),

    text_field<&C::local, &local_config::data_dir>("local", "data_dir", {.nonempty = true}),
    int_field<&C::local, &local_config::port>("local", "port", 1, 65535),
    text_field<&C::local, &local_config::redis_server>("local", "redis_server", {.nonempty = true}),
    int_field<&C::local, &local_config::maxmemory_mb>("local", "maxmemory_mb", 16),

    text_field<&C::api, &api_config::listen>("api", "listen", {.host_port = true}),
    int_field<&C::api, &api_config::threads>("api", "threads", 0, 256),
    int_field<&C::api, &api_config::max_body_bytes>("api", "max_body_bytes", 1024,
                                                    k_max_message_bytes),
    int_field<&C::api, &api_config::max_header_bytes>("api", "max_header_bytes", 1024, 1 << 20),
    int_field<&C::api, &api_config::max_connections>("api", "max_connections", 1, 1000000),
    int_field<&C::api, &api_config::max_batch>("api", "max_batch", 1, 100000),
    int_field<&C::api, &api_config::header_timeout_ms>("api", "header_timeout_ms", 1),
    int_field<&C::api, &api_config::body_timeout_ms>("api", "body_timeout_ms", 1),
    int_field<&C::api, &api_config::idle_timeout_ms>("api", "idle_timeout_ms", 1),
    int_field<&C::api, &api_config::key_cache_ms>("api", "key_cache_ms", 0, 60000),
    text_field<&C::api, &api_config::admin_key>("api", "admin_key", {.secret = true}),

    int_field<&C::domains, &domains_config::require_verified>("domains", "require_verified", 0, 1),
    text_field<&C::domains, &domains_config::master_key_file>("domains", "master_key_file"),
    text_field<&C::domains, &domains_config::spf_include>("domains", "spf_include"),
    text_field<&C::domains, &domains_config::sending_ips>("domains", "sending_ips"),
    text_field<&C::domains, &domains_config::dkim_cname_zone>("domains", "dkim_cname_zone"),
    text_field<&C::domains, &domains_config::dmarc_rua>("domains", "dmarc_rua"),
    text_field<&C::domains, &domains_config::return_path_host>("domains", "return_path_host"),
    text_field<&C::domains, &domains_config::dns_servers>("domains", "dns_servers"),
    int_field<&C::domains, &domains_config::recheck_h>("domains", "recheck_h", 1, 8760),
    int_field<&C::domains, &domains_config::grace_h>("domains", "grace_h", 0, 8760),
    int_field<&C::domains, &domains_config::rotate_grace_h>("domains", "rotate_grace_h", 0, 8760),
    int_field<&C::domains, &domains_config::max_per_tenant>("domains", "max_per_tenant", 1, 100000),

    text_field<&C::sms, &sms_config::providers_default>("sms", "providers_default"),
    text_field<&C::sms, &sms_config::default_region>("sms", "default_region", {.nonempty = true}),
    int_field<&C::sms, &sms_config::max_segments>("sms", "max_segments", 1, 255),
    text_field<&C::sms, &sms_config::status_url>("sms", "status_url"),
    text_field<&C::sms, &sms_config::ca_file>("sms", "ca_file"),
    int_field<&C::sms, &sms_config::connect_timeout_ms>("sms", "connect_timeout_ms", 1),
    int_field<&C::sms, &sms_config::request_timeout_ms>("sms", "request_timeout_ms", 1),
    int_field<&C::sms, &sms_config::provider_failures>("sms", "provider_failures", 1),
    int_field<&C::sms, &sms_config::provider_down_ms>("sms", "provider_down_ms", 1),
    int_field<&C::sms, &sms_config::provider_down_max_ms>("sms", "provider_down_max_ms", 1),

    int_field<&C::events, &events_config::messages>("events", "messages", 0, 1),

    int_field<&C::webhooks, &webhooks_config::allow_http>("webhooks", "allow_http", 0, 1),
    int_field<&C::webhooks, &webhooks_config::allow_private>("webhooks", "allow_private", 0, 1),
    text_field<&C::webhooks, &webhooks_config::ca_file>("webhooks", "ca_file"),
    int_field<&C::webhooks, &webhooks_config::max_endpoints>("webhooks", "max_endpoints", 1, 1000),
    int_field<&C::webhooks, &webhooks_config::batch_max>("webhooks", "batch_max", 1, 10000),
    int_field<&C::webhooks, &webhooks_config::timeout_ms>("webhooks", "timeout_ms", 1),
    int_field<&C::webhooks, &webhooks_config::backoff_base_ms>("webhooks", "backoff_base_ms", 1),
    int_field<&C::webhooks, &webhooks_config::backoff_cap_ms>("webhooks", "backoff_cap_ms", 1),
    int_field<&C::webhooks, &webhooks_config::retry_budget_s>("webhooks", "retry_budget_s", 1),
    int_field<&C::webhooks, &webhooks_config::max_pending>("webhooks", "max_pending", 1),
    int_field<&C::webhooks, &webhooks_config::dead_max>("webhooks", "dead_max", 1),

    text_field<&C::metrics, &metrics_config::listen>("metrics", "listen",
                                                     {.host_port = true, .unset_ok = true}),

    text_field<&C::log, &log_config::level>("log", "level", {.choices = k_log_levels}),
    text_field<&C::log, &log_config::format>("log", "format", {.choices = k_log_formats}),
};

// Rules spanning integer keys: times x (the sum of lhs) < rhs (strict) or <= rhs.
struct relation {
    std::array<std::string_view, 2> lhs;  // the second may be empty
    std::uint64_t times;
    std::string_view rhs;
    bool strict;
    std::string_view why;
};

constexpr std::array k_relations{
    // A lease must outlast three renewal rounds that each take the whole
    // Redis timeout: two that fail, and the stall the service clock may
    // hide between them (queue/lua/lease.lua).
    relation{{"queue.renew_interval_ms", "redis.timeout_ms"},
             3,
             "queue.lease_ms",
             true,
             "a live worker's lease could lapse while it waits on a slow Redis, and a second "
             "worker send its message"},
    relation{{"queue.schedule_interval_ms", ""},
             1,
             "queue.renew_interval_ms",
             true,
             "Redis would take the gaps between a live worker's calls for stalls, and the leases "
             "of crashed workers would never lapse"},
    relation{{"queue.lease_ms", ""},
             1,
             "queue.reclaim_idle_ms",
             true,
             "the reclaimer would look at messages whose lease cannot have lapsed yet"},
    relation{{"queue.reclaim_idle_ms", ""},
             1,
             "queue.consumer_idle_ms",
             true,
             "the consumers of live workers waiting on a slow send or a slow Redis could be "
             "removed between two of their reads"},
    relation{{"queue.backoff_base_ms", ""},
             1,
             "queue.backoff_cap_ms",
             false,
             "the first retry would already exceed the cap"},
    relation{{"smtp.destination_suspend_ms", ""},
             1,
             "smtp.destination_suspend_max_ms",
             false,
             "the first suspension would already exceed the longest"},
    relation{{"sms.provider_down_ms", ""},
             1,
             "sms.provider_down_max_ms",
             false,
             "the first time a provider is skipped would already exceed the longest"},
    relation{{"sms.connect_timeout_ms", ""},
             1,
             "sms.request_timeout_ms",
             false,
             "a request would time out before its connection could"},
    relation{{"webhooks.backoff_base_ms", ""},
             1,
             "webhooks.backoff_cap_ms",
             false,
             "the first webhook retry would already exceed the cap"},
    relation{{"queue.block_ms", ""},
             1,
             "redis.timeout_ms",
             true,
             "every blocking read would time out the Redis connection"},
};

constexpr std::array<std::string_view, 17> k_sections{
    "redis", "queue", "dedupe",  "breaker", "limits", "watermarks", "smtp",    "dkim", "transport",
    "local", "api",   "domains", "sms",     "events", "webhooks",   "metrics", "log"};

// Joins message parts with one allocation; it also avoids GCC 12's false
// -Wrestrict error on long `"literal" + std::string` chains at -O2.
std::string cat(std::initializer_list<std::string_view> parts) {
    std::size_t n = 0;
    for (const auto p : parts)
        n += p.size();
    std::string s;
    s.reserve(n);
    for (const auto p : parts)
        s += p;
    return s;
}

std::string full_name(const field_spec& f) {
    return cat({f.section, ".", f.key});
}

std::optional<std::size_t> find_field(std::string_view section, std::string_view key) {
    for (std::size_t i = 0; i < k_fields.size(); ++i)
        if (k_fields[i].section == section && k_fields[i].key == key) return i;
    return std::nullopt;
}

std::optional<std::size_t> find_field(std::string_view dotted) {
    const auto dot = dotted.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    return find_field(dotted.substr(0, dot), dotted.substr(dot + 1));
}

std::string join(std::span<const std::string_view> items) {
    std::string s;
    for (const auto& i : items) {
        if (!s.empty()) s += ", ";
        s += i;
    }
    return s;
}

// ---------------------------------------------------------------------------
// Validation of one value, whatever its source.

bool in_range(const field_spec& f, std::uint64_t v) {
    return v >= f.min && v <= f.max;
}

std::string range_error(const field_spec& f, std::string_view shown) {
    return cat({full_name(f), " = ", shown, " is out of range ", std::to_string(f.min), "..",
                std::to_string(f.max)});
}

std::optional<std::string> text_error(const field_spec& f, const std::string& v) {
    if (f.nonempty && v.empty()) return cat({full_name(f), " must not be empty"});
    if (f.host_port && !(f.unset_ok && v.empty()) && !parse_host_port(v))
        return cat({full_name(f), " = \"", v, "\" must be host:port (or [v6]:port)"});
    if (!f.choices.empty() && !(f.unset_ok && v.empty()) &&
        std::find(f.choices.begin(), f.choices.end(), v) == f.choices.end())
        return cat({full_name(f), " = \"", v, "\" must be one of: ", join(f.choices)});
    return std::nullopt;
}

// Collects problems and remembers where each field got its value, so that
// rules spanning several fields can point at the right place.
class loader {
public:
    explicit loader(const std::string& path) : path_(path) {}

    config_load finish() &&;
    void load_file();
    void apply_env(const std::function<const char*(const char*)>& getenv);

private:
    struct located {
        std::uint32_t line;
        std::uint32_t column;
        config_problem problem;
    };

    std::string at(const toml::source_region& r) const;
    void add(const toml::source_region& r, std::string message);
    void walk_section(std::string_view section, const toml::table& t);
    void apply_toml(std::size_t index, const toml::node& v);
    void walk_providers(const toml::node& v);
    std::optional<sms_provider_config> provider_of(const toml::table& t);
    void apply_env_value(std::size_t index, const std::string& var, const std::string& value);
    void check_relations();

    std::string path_;
    config cfg_;
    std::vector<located> file_problems_;
    std::vector<config_problem> other_problems_;
    std::array<std::string, k_fields.size()> origin_;  // empty: default
};

std::string loader::at(const toml::source_region& r) const {
    if (r.begin.line == 0) return path_;
    return cat({path_, ":", std::to_string(r.begin.line), ":", std::to_string(r.begin.column)});
}

void loader::add(const toml::source_region& r, std::string message) {
    file_problems_.push_back({r.begin.line, r.begin.column, {at(r), std::move(message)}});
}

// ---------------------------------------------------------------------------
// The TOML file.

std::string_view type_name(toml::node_type t) {
    switch (t) {
        case toml::node_type::none:
            return "nothing";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
    }
    return "an unknown type";
}

void loader::load_file() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        other_problems_.push_back({path_, std::string("cannot open: ") + std::strerror(errno)});
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    toml::table root;
    try {
        root = toml::parse(text.str(), path_);
    } catch (const toml::parse_error& e) {
        add(e.source(), std::string(e.description()));
        return;
    }
    for (auto&& [key, node] : root) {
        const std::string_view name = key.str();
        if (std::find(k_sections.begin(), k_sections.end(), name) == k_sections.end()) {
            add(key.source(),
                cat({"unknown section '", name, "' (sections are: ", join(k_sections), ")"}));
        } else if (const auto* t = node.as_table()) {
            walk_section(name, *t);
        } else {
            add(node.source(), cat({"'", name, "' must be a table, not ", type_name(node.type())}));
        }
    }
}

void loader::walk_section(std::string_view section, const toml::table& t) {
    for (auto&& [key, node] : t) {
        if (section == "sms" && key.str() == "providers") {
            walk_providers(node);
            continue;
        }
        const auto index = find_field(section, key.str());
        if (!index) {
            add(key.source(), cat({"unknown key '", section, ".", key.str(), "'"}));
            continue;
        }
        apply_toml(*index, node);
    }
}

void loader::apply_toml(std::size_t index, const toml::node& v) {
    const auto& f = k_fields[index];
    if (f.is_text) {
        const auto* s = v.as_string();
        if (!s) {
            add(v.source(), cat({full_name(f), " must be a string, not ", type_name(v.type())}));
            return;
        }
        if (auto err = text_error(f, s->get())) return add(v.source(), std::move(*err));
        f.set_text(cfg_, s->get());
    } else {
        const auto* i = v.as_integer();
        if (!i) {
            add(v.source(), cat({full_name(f), " must be an integer, not ", type_name(v.type())}));
            return;
        }
        const std::int64_t raw = i->get();
        if (raw < 0 || !in_range(f, static_cast<std::uint64_t>(raw)))
            return add(v.source(), range_error(f, std::to_string(raw)));
        f.set_int(cfg_, static_cast<std::uint64_t>(raw));
    }
    origin_[index] = at(v.source());
}

// [[sms.providers]]: an array of tables, each one provider account. Not
// overridable from the environment (a list has no HERALD_* name), except
// that secrets may come from files a deployment mounts (not yet).
constexpr std::array<std::string_view, 4> k_sms_provider_kinds{"twilio", "vonage", "http",
                                                               "kannel"};
constexpr std::array<std::string_view, 2> k_http_methods{"GET", "POST"};

bool is_provider_name(std::string_view n) {
    return !n.empty() && n.size() <= 32 && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

void loader::walk_providers(const toml::node& v) {
    const auto* list = v.as_array();
    if (!list)
        return add(v.source(),
                   cat({"sms.providers must be an array of tables ([[sms.providers]]), not ",
                        type_name(v.type())}));
    for (const auto& item : *list) {
        const auto* t = item.as_table();
        if (!t) {
            add(item.source(),
                cat({"sms.providers entries must be tables, not ", type_name(item.type())}));
            continue;
        }
        auto p = provider_of(*t);
        if (!p) continue;
        const bool twice = std::any_of(cfg_.sms.providers.begin(), cfg_.sms.providers.end(),
                                       [&](const auto& o) { return o.name == p->name; });
        if (twice) {
            add(t->source(), cat({"sms.providers: the name \"", p->name, "\" is used twice"}));
            continue;
        }
        cfg_.sms.providers.push_back(std::move(*p));
    }
}

std::optional<sms_provider_config> loader::provider_of(const toml::table& t) {
    sms_provider_config p;
    bool ok = true;
    const auto text = [&](std::string_view key, const toml::node& n, std::string& out) {
        const auto* s = n.as_string();
        if (!s) {
            add(n.source(),
                cat({"sms.providers.", key, " must be a string, not ", type_name(n.type())}));
            ok = false;
            return;
        }
        out = s->get();
    };
    const auto number = [&](std::string_view key, const toml::node& n, std::uint32_t min,
                            std::uint32_t max, std::uint32_t& out) {
        const auto* i = n.as_integer();
        if (!i || i->get() < min || i->get() > max) {
            add(n.source(), cat({"sms.providers.", key, " must be an integer in ",
                                 std::to_string(min), "..", std::to_string(max)}));
            ok = false;
            return;
        }
        out = static_cast<std::uint32_t>(i->get());
    };
    for (auto&& [key, node] : t) {
        const std::string_view k = key.str();
        if (k == "name")
            text(k, node, p.name);
        else if (k == "kind")
            text(k, node, p.kind);
        else if (k == "base_url")
            text(k, node, p.base_url);
        else if (k == "account")
            text(k, node, p.account);
        else if (k == "secret")
            text(k, node, p.secret);
        else if (k == "from")
            text(k, node, p.from);
        else if (k == "messaging_service_sid")
            text(k, node, p.messaging_service_sid);
        else if (k == "signature_secret")
            text(k, node, p.signature_secret);
        else if (k == "method")
            text(k, node, p.method);
        else if (k == "body")
            text(k, node, p.body);
        else if (k == "id_field")
            text(k, node, p.id_field);
        else if (k == "max_inflight")
            number(k, node, 1, 100000, p.max_inflight);
        else if (k == "per_sec")
            number(k, node, 0, 10000000, p.per_sec);
        else if (k == "headers") {
            const auto* a = node.as_array();
            if (!a || (!a->empty() && !a->is_homogeneous(toml::node_type::string))) {
                add(node.source(),
                    "sms.providers.headers must be an array of \"Name: value\" strings");
                ok = false;
                continue;
            }
            for (const auto& h : *a) {
                const auto& line = h.as_string()->get();
                if (line.find(':') == std::string::npos ||
                    line.find_first_of("\r\n") != std::string::npos) {
                    add(h.source(), cat({"sms.providers.headers: \"", line,
                                         "\" is not a \"Name: value\" line"}));
                    ok = false;
                }
                p.headers.push_back(line);
            }
        } else {
            add(key.source(), cat({"unknown key 'sms.providers.", k, "'"}));
            ok = false;
        }
    }
    if (!is_provider_name(p.name)) {
        add(t.source(), cat({"sms.providers.name \"", p.name,
                             "\" must be 1-32 characters of a-z, 0-9, '_' and '-'"}));
        ok = false;
    }
    if (std::find(k_sms_provider_kinds.begin(), k_sms_provider_kinds.end(), p.kind) ==
        k_sms_provider_kinds.end()) {
        add(t.source(), cat({"sms.providers.kind \"", p.kind, "\" (provider \"", p.name,
                             "\") must be one of: ", join(k_sms_provider_kinds)}));
        ok = false;
    }
    if (!p.base_url.starts_with("https://") && !p.base_url.starts_with("http://")) {
        add(t.source(), cat({"sms.providers.base_url (provider \"", p.name,
                             "\") must be an http:// or https:// URL"}));
        ok = false;
    }
    if (std::find(k_http_methods.begin(), k_http_methods.end(), p.method) == k_http_methods.end()) {
        add(t.source(),
            cat({"sms.providers.method (provider \"", p.name, "\") must be GET or POST"}));
        ok = false;
    }
    if (!ok) return std::nullopt;
    return p;
}

// ---------------------------------------------------------------------------
// Environment overrides.

std::string env_name(const field_spec& f) {
    std::string name = cat({"HERALD_", full_name(f)});
    for (auto& ch : name) {
        if (ch == '.') ch = '_';
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    return name;
}

void loader::apply_env(const std::function<const char*(const char*)>& getenv) {
    for (std::size_t i = 0; i < k_fields.size(); ++i) {
        const std::string var = env_name(k_fields[i]);
        if (const char* value = getenv(var.c_str())) apply_env_value(i, var, value);
    }
}

void loader::apply_env_value(std::size_t index, const std::string& var, const std::string& value) {
    const auto& f = k_fields[index];
    const std::string where = cat({"env ", var});
    if (f.is_text) {
        if (auto err = text_error(f, value)) {
            other_problems_.push_back({where, std::move(*err)});
            return;
        }
        f.set_text(cfg_, value);
    } else {
        std::uint64_t v = 0;
        const auto* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, v);
        if (value.empty() || ptr != end || ec == std::errc::invalid_argument) {
            other_problems_.push_back(
                {where, cat({full_name(f), " = \"", value, "\" is not an unsigned integer"})});
            return;
        }
        if (ec == std::errc::result_out_of_range || !in_range(f, v)) {
            other_problems_.push_back({where, range_error(f, value)});
            return;
        }
        f.set_int(cfg_, v);
    }
    origin_[index] = where;
}

// ---------------------------------------------------------------------------
// Rules spanning several keys, checked on the effective values.

void loader::check_relations() {
    for (const auto& r : k_relations) {
        std::uint64_t lv = 0;
        std::string lhs, values, where;
        for (const auto name : r.lhs) {
            if (name.empty()) continue;
            const auto i = *find_field(name);
            lv += k_fields[i].get_int(cfg_);
            lhs += lhs.empty() ? std::string(name) : cat({" + ", name});
            values += values.empty() ? std::to_string(k_fields[i].get_int(cfg_))
                                     : cat({" + ", std::to_string(k_fields[i].get_int(cfg_))});
            if (where.empty()) where = origin_[i];
        }
        lv *= r.times;
        const auto ri = *find_field(r.rhs);
        const auto rv = k_fields[ri].get_int(cfg_);
        if (r.strict ? lv < rv : lv <= rv) continue;
        if (where.empty()) where = origin_[ri];
        if (where.empty()) where = path_.empty() ? "defaults" : path_;
        if (r.times != 1) {
            lhs = cat({std::to_string(r.times), " x (", lhs, ")"});
            values = cat({std::to_string(r.times), " x (", values, ") = ", std::to_string(lv)});
        }
        other_problems_.push_back(
            {std::move(where),
             cat({lhs, " (", values, ") must be ", r.strict ? "less than " : "at most ", r.rhs,
                  " (", std::to_string(rv), "): otherwise ", r.why})});
    }
}

config_load loader::finish() && {
    check_relations();
    // toml::table iterates by key, not by position: report in file order.
    std::stable_sort(file_problems_.begin(), file_problems_.end(),
                     [](const located& a, const located& b) {
                         return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    config_load out{std::move(cfg_), {}, {}};
    for (std::size_t i = 0; i < k_fields.size(); ++i)
        if (!origin_[i].empty()) out.given.push_back(full_name(k_fields[i]));
    for (auto& p : file_problems_)
        out.problems.push_back(std::move(p.problem));
    for (auto& p : other_problems_)
        out.problems.push_back(std::move(p));
    return out;
}

// ---------------------------------------------------------------------------
// describe()

std::string toml_quote(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (u < 0x20 || u == 0x7f) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += ch;
        }
    }
    out += '"';
    return out;
}

}  // namespace

config_load load_config(const std::string& path,
                        const std::function<const char*(const char*)>& getenv) {
    loader l(path);
    if (!path.empty()) l.load_file();
    l.apply_env(getenv);
    return std::move(l).finish();
}

std::optional<host_port> parse_host_port(std::string_view text) {
    std::string_view host, port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
    }
    unsigned n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (host.empty() || ec != std::errc{} || p != port.data() + port.size() || n > 65535)
        return std::nullopt;
    return host_port{std::string(host), static_cast<std::uint16_t>(n)};
}

std::string mask_url_password(const std::string& url) {
    std::string out = url;
    const auto scheme = out.find("://");
    const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    // The last '@' ends the userinfo: an unencoded password may itself
    // contain '/', '?' or '@', and masking too much is better than leaking.
    const auto at = out.rfind('@');
    std::size_t rest = start;
    if (at != std::string::npos && at >= start) {
        const auto colon = out.find(':', start);
        const std::size_t from = colon < at ? colon + 1 : start;
        if (at > from) {
            out.replace(from, at - from, "***");
            rest = from + 3 + 1;
        }
    }
    // redis://host/0?password=pw is also accepted by some clients.
    for (auto q = out.find_first_of("?&", rest); q != std::string::npos; q = out.find('&', q + 1)) {
        static constexpr std::string_view key = "password=";
        if (out.compare(q + 1, key.size(), key) != 0) continue;
        const auto from = q + 1 + key.size();
        const auto to = std::min(out.find_first_of("&#", from), out.size());
        out.replace(from, to - from, "***");
    }
    return out;
}

std::string describe(const config& c) {
    std::string out;
    for (const auto& f : k_fields) {
        out += full_name(f);
        out += " = ";
        if (!f.is_text)
            out += std::to_string(f.get_int(c));
        else if (f.masked_url)
            out += toml_quote(mask_url_password(f.get_text(c)));
        else if (f.secret && !f.get_text(c).empty())
            out += toml_quote("***");
        else
            out += toml_quote(f.get_text(c));
        out += '\n';
    }
    // Last: a [[table]] header ends the dotted keys above it.
    for (const auto& p : c.sms.providers) {
        const auto hidden = [](const std::string& v) { return toml_quote(v.empty() ? "" : "***"); };
        out += "\n[[sms.providers]]\n";
        out += cat({"name = ",
                    toml_quote(p.name),
                    "\nkind = ",
                    toml_quote(p.kind),
                    "\nbase_url = ",
                    toml_quote(p.base_url),
                    "\naccount = ",
                    toml_quote(p.account),
                    "\nsecret = ",
                    hidden(p.secret),
                    "\nfrom = ",
                    toml_quote(p.from),
                    "\nmessaging_service_sid = ",
                    toml_quote(p.messaging_service_sid),
                    "\nsignature_secret = ",
                    hidden(p.signature_secret),
                    "\nmethod = ",
                    toml_quote(p.method),
                    "\nbody = ",
                    toml_quote(p.body),
                    "\nid_field = ",
                    toml_quote(p.id_field),
                    "\nmax_inflight = ",
                    std::to_string(p.max_inflight),
                    "\nper_sec = ",
                    std::to_string(p.per_sec),
                    "\nheaders = ["});
        for (std::size_t i = 0; i < p.headers.size(); ++i)
            // Values often carry a token: only the names are shown.
            out += cat({i ? ", " : "",
                        toml_quote(p.headers[i].substr(0, p.headers[i].find(':')) + ": ***")});
        out += "]\n";
    }
    return out;
}

}  // namespace herald
