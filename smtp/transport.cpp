#include "smtp/transport.hpp"

#include "core/log.hpp"
#include "mime/render.hpp"
#include "queue/events.hpp"
#include "queue/keys.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <thread>

namespace herald::smtp {

namespace asio = boost::asio;

namespace {

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

tls_mode tls_mode_of(std::string_view s) {
    if (s == "none") return tls_mode::none;
    if (s == "opportunistic") return tls_mode::opportunistic;
    return tls_mode::required;
}

pool_options pool_options_from(const config& cfg) {
    const auto& s = cfg.smtp;
    pool_options p;
    if (!s.ehlo_name.empty()) {
        p.session.helo_name = s.ehlo_name;
    } else {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        p.session.helo_name = host;
    }
    p.session.tls = {tls_mode_of(s.tls), s.verify_tls != 0, s.ca_file};
    if (!s.auth_user.empty()) p.session.auth = credentials{s.auth_user, s.auth_password, false};
    p.session.pipelining = s.pipelining != 0;
    p.max_connections = s.max_connections;
    p.max_messages_per_connection = s.messages_per_connection;
    p.idle_timeout = std::chrono::milliseconds(s.idle_timeout_ms);
    p.session.limits.data_done = std::chrono::milliseconds(s.final_dot_timeout_ms);
    return p;
}

}  // namespace

smtp_transport::smtp_transport(const config& cfg, redis::client& redis, const clock& clk)
    : cfg_(cfg), redis_(redis), clock_(clk), suppression_(redis, cfg.queue.shards) {}

smtp_transport::~smtp_transport() {
    if (signing_) signing_->join();
}

result<std::unique_ptr<smtp_transport>> smtp_transport::create(asio::any_io_executor ex,
                                                               const config& cfg,
                                                               redis::client& redis,
                                                               const clock& clk,
                                                               dkim::key_source* tenant_keys) {
    std::unique_ptr<smtp_transport> t(new smtp_transport(cfg, redis, clk));
    t->tenant_keys_ = tenant_keys;
    auto keys = dkim::key_store::load(cfg.dkim.keys_dir);
    if (!keys) return keys.error();
    t->keys_ = std::move(*keys);
    auto kind =
        cfg.dkim.signer == "opendkim" ? dkim::signer_kind::opendkim : dkim::signer_kind::cached_key;
    auto signer = dkim::make_signer(kind, dkim::signer_options{}, clk);
    if (!signer) return signer.error();
    t->signer_ = std::move(*signer);
    const unsigned threads =
        cfg.dkim.threads ? cfg.dkim.threads : std::max(1u, std::thread::hardware_concurrency());
    t->signing_ = std::make_unique<asio::thread_pool>(threads);
    dns::resolver_options dns_opt;
    dns_opt.servers = dns::resolver_options::servers_of(cfg.smtp.dns_servers);
    if (auto ok = dns_opt.validate(); !ok) return ok.error();
    t->resolver_ = std::make_unique<dns::resolver>(ex, dns_opt);
    dns::route_options route_opt;
    route_opt.allow_private = cfg.smtp.allow_private != 0;
    t->router_ = std::make_unique<dns::mx_router>(*t->resolver_, route_opt);
    auto p = pool::create(ex, pool_options_from(cfg));
    if (!p) return p.error();
    t->pool_ = std::move(*p);
    t->health_ = std::make_unique<ratelimit::destination_health>(
        redis, clk,
        ratelimit::health_options{cfg.smtp.destination_failures, cfg.smtp.destination_suspend_ms,
                                  cfg.smtp.destination_suspend_max_ms});
    log::info("smtp.ready", {{"mode", cfg.smtp.mode},
                             {"dkim_keys", static_cast<std::int64_t>(t->keys_.size())},
                             {"signer", cfg.dkim.signer},
                             {"signing_threads", static_cast<std::int64_t>(threads)}});
    return t;
}

// Signing is CPU work: it runs on the signing pool, never on the I/O thread.
asio::awaitable<result<std::string>> smtp_transport::sign(std::string data, std::string_view tenant,
                                                          std::string from_domain) {
    auto keys = keys_.keys_for(from_domain);
    dkim::tenant_keys own;  // owns the tenant's keys while `keys` points at them
    if (keys.empty() && tenant_keys_) {
        auto found = co_await tenant_keys_->keys_for(tenant, from_domain);
        if (!found) co_return found.error();
        if (!found->may_send)
            co_return make_error(errc::domain_not_verified,
                                 from_domain + " failed verification for " + std::string(tenant) +
                                     ": herald domain verify");
        own = std::move(*found);
        for (const auto& k : own.keys)
            keys.push_back({k.domain, k.selector, *k.key});
    }
    if (keys.empty()) co_return data;  // no key for this domain: sent unsigned
    auto home = co_await asio::this_coro::executor;
    co_await asio::post(signing_->get_executor(), asio::use_awaitable);
    auto header = dkim::sign_all(*signer_, data, keys);
    co_await asio::post(home, asio::use_awaitable);
    if (!header) co_return header.error();
    co_return *header + data;
}

asio::awaitable<result<std::vector<destination>>> smtp_transport::route(std::string domain) {
    std::vector<destination> out;
    if (cfg_.smtp.mode == "relay") {
        boost::system::error_code ec;
        auto literal = asio::ip::make_address(cfg_.smtp.relay_host, ec);
        if (!ec) {
            out.push_back({cfg_.smtp.relay_host, literal, cfg_.smtp.relay_port});
            co_return out;
        }
        auto addrs = co_await resolver_->a(cfg_.smtp.relay_host);
        if (!addrs) co_return addrs.error();
        for (const auto& a : *addrs)
            out.push_back({cfg_.smtp.relay_host, a, cfg_.smtp.relay_port});
        co_return out;
    }
    auto targets = co_await router_->route(std::move(domain));
    if (!targets) co_return targets.error();
    for (const auto& t : *targets)
        out.push_back({t.host, t.address, cfg_.smtp.direct_port});
    co_return out;
}

// Relay: one transaction. Direct: one per recipient domain, each tried on
// its MX hosts in order while a host fails as a whole.
asio::awaitable<send_result> smtp_transport::deliver(const delivery& d, const envelope& env,
                                                     std::string_view data) {
    std::map<std::string, envelope> by_domain;
    for (const auto& r : env.rcpt_to) {
        auto& e = by_domain[cfg_.smtp.mode == "relay" ? std::string() : domain_of(r)];
        e.mail_from = env.mail_from;
        e.lease = env.lease;
        e.utf8_headers = env.utf8_headers;
        e.rcpt_to.push_back(r);
    }
    std::vector<send_result> parts;
    for (const auto& [domain, part] : by_domain) {
        auto dests = co_await route(domain);
        if (!dests) {
            parts.push_back(unroutable(part, dests.error()));
            continue;
        }
        parts.push_back(co_await try_hosts(d, part, *dests, data));
    }
    co_return combine(std::move(parts));
}

// The hosts of one destination in order, skipping suspended ones, while a
// host fails as a whole; each result tells the host's health.
asio::awaitable<send_result> smtp_transport::try_hosts(const delivery& d, const envelope& part,
                                                       const std::vector<destination>& dests,
                                                       std::string_view data) {
    send_result r, suspended;
    millis reopens_at = 0;
    bool tried = false;
    const ratelimit::health_witness witness{d.id.shard, std::string(d.tenant)};
    for (const auto& dest : dests) {
        if (part.lease && !part.lease->held())  // no new transaction without the lease
            co_return all_recipients(part, outcome_kind::deferred,
                                     make_error(smtp_errc::lease_lost, "the send lease lapsed"));
        const std::string name = dest.host + ":" + std::to_string(dest.port);
        const auto health = co_await health_->check(name);
        if (health.is == ratelimit::health_verdict::state::down) {
            suspended = all_recipients(part, outcome_kind::deferred,
                                       make_error(smtp_errc::destination_suspended,
                                                  name + " is suspended after repeated failures"));
            if (reopens_at == 0 || health.until < reopens_at) reopens_at = health.until;
            continue;
        }
        r = co_await pool_->send(dest, part, data);
        r.relay = dest.str();
        tried = true;
        switch (health_of(r)) {
            case health_signal::failing:
                co_await health_->failed(name, witness, r.detail);
                break;
            case health_signal::working:
                co_await health_->worked(name, witness);
                break;
            case health_signal::none:
                break;
        }
        if (!try_next_host(r)) break;
    }
    // A tried host's own answer stands; postponed (no attempt used) only
    // when no host could be tried at all.
    if (tried) co_return r;
    suspended.reopens_at = reopens_at;
    co_return suspended;
}

// Whoever has it, whatever the message's outcome (a retry, or an unknown
// outcome the tenant's policy turns into one), so a later attempt sends
// only to the others. Written before the outcome is settled.
asio::awaitable<void> smtp_transport::remember_delivered(const delivery& d,
                                                         const std::string& sent_key,
                                                         std::vector<std::string> delivered) {
    if (delivered.empty()) co_return;
    redis::command add{"SADD", sent_key};
    add.insert(add.end(), delivered.begin(), delivered.end());
    std::vector<redis::command> cmds{
        std::move(add), redis::cmd("EXPIRE", sent_key, std::to_string(cfg_.queue.max_age_s))};
    auto r = co_await redis_.pipeline(std::move(cmds));
    const bool ok = r && !(*r)[0].is_error() && !(*r)[1].is_error();
    if (!ok)
        log::error("smtp.sent_unrecorded",
                   {{"id", d.id.str()},
                    {"recipients", static_cast<std::int64_t>(delivered.size())},
                    {"why", "a retry may send to them again"},
                    {"error", !r ? r.error().to_string() : "a command failed"}});
}

// No answer after the final dot: the peer may have the message. Recorded
// as an event; the tenant's smtp.unknown_outcome (else the config's)
// decides what it counts as (smtp/failure: after_unknown).
asio::awaitable<outcome_kind> smtp_transport::unknown_counts_as(const delivery& d,
                                                                const std::string& detail) {
    std::vector<redis::command> cmds{
        redis::cmd("HGET", queue::tenant_key(d.id.shard, d.tenant), "smtp.unknown_outcome"),
        queue::event_command(d.id.shard, "delivery.unknown", d.tenant, {{"detail", detail}},
                             d.id.str())};
    auto r = co_await redis_.pipeline(std::move(cmds));
    const std::string policy = r && !(*r)[0].is_nil() ? (*r)[0].str : cfg_.smtp.unknown_outcome;
    log::warn("delivery.unknown", {{"id", d.id.str()}, {"tenant", d.tenant}, {"policy", policy}});
    co_return after_unknown(policy);
}

asio::awaitable<void> smtp_transport::close() {
    co_await pool_->close();
}

asio::awaitable<outcome> smtp_transport::send(const delivery& d) {
    const auto* email = std::get_if<email_message>(&d.msg.content);
    if (!email)
        co_return outcome::bounced("channel_unsupported", "the smtp transport sends email only");
    mime::render_options ro;
    ro.message_id = d.id.str();
    auto rendered = mime::render(*email, ro, clock_);
    if (!rendered) co_return outcome::refused(rendered.error());

    // Who still gets it: not suppressed, not delivered by an earlier attempt.
    const std::string sent_key = queue::sent_key(d.id.shard, d.id.str());
    std::vector<redis::command> lookups{suppression_.lookup(d.tenant, rendered->rcpt_to),
                                        redis::cmd("SMEMBERS", sent_key)};
    auto found = co_await redis_.pipeline(std::move(lookups));
    if (!found) co_return outcome::deferred("redis", found.error().to_string());
    for (const auto& r : *found)
        if (r.is_error()) co_return outcome::deferred("redis", r.str);
    const auto suppressed = suppression_list::suppressed((*found)[0]);
    const auto& before = (*found)[1];
    envelope env{rendered->mail_from, {}, d.lease, rendered->utf8_headers};
    for (std::size_t i = 0; i < rendered->rcpt_to.size(); ++i) {
        const auto& a = rendered->rcpt_to[i];
        const bool done = std::any_of(before.elements.begin(), before.elements.end(),
                                      [&](const redis::reply& x) { return x.str == a; });
        if (!suppressed[i] && !done) env.rcpt_to.push_back(a);
    }
    if (env.rcpt_to.empty()) {
        if (before.elements.empty())
            co_return outcome::bounced("suppressed",
                                       "every recipient is on the tenant's suppression list");
        co_return outcome::delivered("smtp_2xx", "every recipient was delivered before");
    }

    auto data = co_await sign(std::move(rendered->data), d.tenant, domain_of(env.mail_from));
    if (!data && data.error().code == make_error_code(errc::domain_not_verified))
        co_return outcome::refused(data.error());
    if (!data) co_return outcome::deferred(std::string(data.error().name()), data.error().detail);
    send_result result = co_await deliver(d, env, *data);

    // Who has it now: the delivered recipients, and the unknown ones when
    // the tenant counts unknown as delivered, so no retry resends to them.
    auto have_it = result.delivered_recipients();
    auto unknown_as = outcome_kind::delivered;
    if (auto unknown = result.recipients_of(outcome_kind::unknown); !unknown.empty()) {
        unknown_as = co_await unknown_counts_as(d, result.detail);
        if (unknown_as == outcome_kind::delivered)
            have_it.insert(have_it.end(), unknown.begin(), unknown.end());
    }
    if (result.kind != outcome_kind::delivered)
        co_await remember_delivered(d, sent_key, std::move(have_it));
    if (auto bad = result.suppressed_recipients(); !bad.empty()) {
        auto added = co_await suppression_.add(d.tenant, bad, result.detail);
        if (added)
            log::info("smtp.suppressed",
                      {{"tenant", d.tenant}, {"count", static_cast<std::int64_t>(bad.size())}});
        else
            log::warn("smtp.unsuppressed", {{"tenant", d.tenant},
                                            {"count", static_cast<std::int64_t>(bad.size())},
                                            {"error", added.error().to_string()}});
    }
    outcome o = to_outcome(result);
    // Unknown counted delivered stays unknown: the queue marks it delivered
    // and its status says unknown (queue/outcome_policy.hpp).
    if (o.kind == outcome_kind::unknown && unknown_as != outcome_kind::delivered)
        o.kind = unknown_as;
    co_return o;
}

}  // namespace herald::smtp
