#include "sms/transport.hpp"

#include "core/log.hpp"
#include "queue/events.hpp"
#include "queue/keys.hpp"
#include "queue/suppressions.hpp"
#include "sms/callback_url.hpp"
#include "sms/phone_number.hpp"
#include "sms/segments.hpp"
#include "sms/validate.hpp"

#include <algorithm>

namespace herald::sms {
namespace asio = boost::asio;

namespace {

constexpr auto tenant_refresh = std::chrono::seconds(5);
constexpr millis retry_soon = 1000;  // throttled without a Retry-After

std::vector<std::string> names_in(std::string_view csv) {
    std::vector<std::string> out;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        auto name = csv.substr(0, comma);
        while (!name.empty() && name.front() == ' ')
            name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ')
            name.remove_suffix(1);
        if (!name.empty()) out.emplace_back(name);
        csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
    }
    return out;
}

}  // namespace

result<std::unique_ptr<sms_transport>> sms_transport::create(asio::any_io_executor ex,
                                                             const config& cfg,
                                                             redis::client& redis,
                                                             const clock& clk) {
    if (cfg.sms.providers.empty())
        return make_error(errc::invalid_argument,
                          "transport.sms = \"providers\" needs at least one [[sms.providers]]");
    if (!known_region(cfg.sms.default_region))
        return make_error(errc::invalid_argument, "sms.default_region \"" + cfg.sms.default_region +
                                                      "\" is not a region libphonenumber knows");
    std::unique_ptr<sms_transport> t(new sms_transport(ex, cfg, redis, clk));
    for (const auto& name : names_in(cfg.sms.providers_default))
        if (t->order_of(name).empty())
            return make_error(errc::invalid_argument, "sms.providers_default names \"" + name +
                                                          "\", which no [[sms.providers]] is");
    return t;
}

sms_transport::sms_transport(asio::any_io_executor ex, const config& cfg, redis::client& redis,
                             const clock& clk)
    : cfg_(cfg),
      redis_(redis),
      clock_(clk),
      http_(ex, {cfg.sms.ca_file, std::chrono::milliseconds(cfg.sms.connect_timeout_ms),
                 std::chrono::milliseconds(cfg.sms.request_timeout_ms)}),
      health_(redis, clk,
              {cfg.sms.provider_failures, cfg.sms.provider_down_ms, cfg.sms.provider_down_max_ms}) {
    for (const auto& p : cfg.sms.providers)
        lanes_.push_back(std::make_unique<lane>(
            lane{make_provider(p), inflight_gate(ex, p.max_inflight), "sms:" + p.name}));
    default_order_ = order_of(cfg.sms.providers_default);
    if (default_order_.empty())
        for (std::size_t i = 0; i < lanes_.size(); ++i)
            default_order_.push_back(i);
}

// Names this process has no provider for are skipped: configs may differ
// between processes while a change rolls out.
std::vector<std::size_t> sms_transport::order_of(std::string_view csv) const {
    std::vector<std::size_t> out;
    for (const auto& name : names_in(csv))
        for (std::size_t i = 0; i < lanes_.size(); ++i)
            if (lanes_[i]->adapter->name() == name &&
                std::find(out.begin(), out.end(), i) == out.end())
                out.push_back(i);
    return out;
}

asio::awaitable<void> sms_transport::close() {
    http_.close();
    co_return;
}

asio::awaitable<outcome> sms_transport::send(const delivery& d) {
    const auto* m = std::get_if<sms_message>(&d.msg.content);
    if (!m) co_return outcome::bounced("channel_unsupported", "the sms transport sends SMS only");
    // Checked at every door; again here, since any client can write to Redis
    // (a national number from a raw producer takes the config's region).
    // Only the addresses are normalised: the body is never copied.
    sms_message addresses{m->from, m->to, {}};
    if (auto ok = normalize(addresses, cfg_.sms.default_region); !ok)
        co_return outcome::refused(ok.error());
    const std::string& to = addresses.to;

    // The suppression list, and the tenant's providers when not known lately.
    auto& view = tenants_[std::string(d.tenant)];
    const auto now = std::chrono::steady_clock::now();
    const bool stale =
        view.read == std::chrono::steady_clock::time_point{} || now - view.read > tenant_refresh;
    std::vector<redis::command> cmds{
        redis::cmd("EXISTS", queue::suppression_key(d.id.shard, d.tenant, to))};
    if (stale)
        cmds.push_back(
            redis::cmd("HGET", queue::tenant_key(d.id.shard, d.tenant), "sms.providers"));
    auto r = co_await redis_.pipeline(std::move(cmds));
    if (!r) co_return outcome::deferred("redis", r.error().to_string());
    for (const auto& a : *r)
        if (a.is_error()) co_return outcome::deferred("redis", a.str);
    if ((*r)[0].integer == 1)
        co_return outcome::bounced("recipient_suppressed",
                                   to + " is on the tenant's suppression list (opted out)");
    if (stale) {
        view.order = (*r)[1].is_nil() ? default_order_ : order_of((*r)[1].str);
        view.read = now;
    }
    const auto order = view.order.empty() ? default_order_ : view.order;
    co_return co_await try_providers(d, addresses, m->body, order);
}

asio::awaitable<outcome> sms_transport::try_providers(const delivery& d,
                                                      const sms_message& addresses,
                                                      std::string_view body,
                                                      const std::vector<std::size_t>& order) {
    const auto& to = addresses.to;
    const auto count = count_segments(body);
    const std::string id = d.id.str();    // outlives every sms_send that views it
    std::optional<provider_answer> last;  // the last provider's answer, when one was asked
    millis wait_until = 0;                // the soonest a skipped or throttled provider opens
    const auto soonest = [&](millis at) {
        wait_until = wait_until ? std::min(wait_until, at) : at;
    };
    bool committed = false;
    for (const auto i : order) {
        auto& l = *lanes_[i];
        const auto& p = *l.adapter;
        const auto& dest = l.destination;
        const auto health = co_await health_.check(dest);
        if (health.is == ratelimit::health_verdict::state::down) {
            soonest(health.until);
            continue;
        }
        if (const auto wait = co_await rate_wait(l, count.segments); wait > 0) {
            soonest(clock_.now_ms() + wait);
            continue;
        }
        auto turn = co_await l.gate.acquire();
        // The point of no return: past it the request may reach a provider.
        if (!committed) {
            if (!d.may_commit()) co_return outcome::lease_lost();
            committed = true;
        }
        sms_send s{id,
                   to,
                   addresses.from,
                   body,
                   count.encoding,
                   status_callback_url(cfg_.sms, p.config(), id)};
        auto request = p.request(s);
        auto response = co_await http_.perform(std::move(request));
        auto answer = response.failure == http_failure::none ? p.classify(response)
                                                             : classify_failure(p.name(), response);
        const ratelimit::health_witness w{d.id.shard, std::string(d.tenant)};
        // The provider's final word, with its name as the relay of the log line.
        auto final_answer = [&](outcome_kind kind) {
            return outcome{kind, answer.code, answer.detail, {}, true, std::string(p.name())};
        };
        switch (answer.is) {
            case answer_class::accepted:
                co_await health_.worked(dest, w);
                co_return final_answer(outcome_kind::delivered);
            case answer_class::ambiguous:
                co_await record_unknown(d, p.name(), answer.detail);
                co_return final_answer(outcome_kind::unknown);
            case answer_class::permanent:
                co_await health_.worked(dest, w);
                if (answer.suppress) co_await suppress(d, to, answer.detail);
                co_return final_answer(outcome_kind::bounced);
            case answer_class::retry:
                soonest(clock_.now_ms() + answer.retry_after.value_or(retry_soon));
                break;
            case answer_class::failover:
                co_await health_.failed(dest, w, answer.detail);
                break;
        }
        log::warn("sms.failover", {{"id", id},
                                   {"provider", p.name()},
                                   {"class", to_string(answer.is)},
                                   {"code", answer.code},
                                   {"detail", answer.detail}});
        last = std::move(answer);
    }
    if (!last)  // no provider was asked: all down or over their rate
        co_return outcome::postponed("sms_providers_unavailable",
                                     "every provider of the tenant is down or at its rate limit",
                                     wait_until ? wait_until : clock_.now_ms() + retry_soon);
    // Throttled, like herald's own rate limits: held back without an attempt.
    if (last->is == answer_class::retry && wait_until)
        co_return outcome::postponed(last->code, last->detail, wait_until);
    co_return outcome::deferred(last->code, last->detail);
}

// How long the provider's rate limit asks this message to wait (0: go).
asio::awaitable<millis> sms_transport::rate_wait(const lane& l, std::size_t segments) {
    const auto& p = l.adapter->config();
    if (p.per_sec == 0) co_return 0;
    auto r = co_await redis_.exec(
        redis::cmd("FCALL", "herald_throttle", "1", queue::provider_rate_key(p.name),
                   std::to_string(clock_.now_ms()), std::to_string(p.per_sec), "1000",
                   std::to_string(p.per_sec), std::to_string(segments)));
    if (!r || !r->is_array() || r->size() < 4 || (*r)[0].integer != 1) co_return 0;
    co_return (*r)[3].integer < 0 ? 60'000 : std::max<millis>(1, (*r)[3].integer);
}

asio::awaitable<void> sms_transport::suppress(const delivery& d, const std::string& to,
                                              const std::string& why) {
    auto r = co_await queue::add_suppression(redis_, cfg_.queue.shards, d.tenant, to, why,
                                             180ull * 24 * 3600);
    if (!r)
        log::error("sms.suppress_failed",
                   {{"id", d.id.str()}, {"tenant", d.tenant}, {"error", r.error().to_string()}});
}

asio::awaitable<void> sms_transport::record_unknown(const delivery& d, const std::string& provider,
                                                    const std::string& detail) {
    const std::string id = d.id.str();
    const queue::event_fields fields{{"provider", provider}, {"detail", detail}};
    auto event = queue::event_command(d.id.shard, "sms.unknown", d.tenant, fields, id);
    auto r = co_await redis_.exec(std::move(event));
    const bool recorded = static_cast<bool>(r);
    log::warn("sms.unknown",
              {{"id", id}, {"tenant", d.tenant}, {"provider", provider}, {"recorded", recorded}});
}

}  // namespace herald::sms
