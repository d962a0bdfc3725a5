#include "ops/webhook_target.hpp"

#include "dns/address_scope.hpp"
#include "dns/errors.hpp"
#include "ops/webhook_errors.hpp"

#include <curl/curl.h>

#include <memory>
#include <optional>

namespace herald::ops {
namespace {

namespace ip = boost::asio::ip;

constexpr std::size_t k_max_url_bytes = 2048;

error url_error(webhook_errc e, std::string detail) {
    return make_error(e, std::move(detail), "url");
}

// One part of a parsed URL, or nothing when it is absent.
std::optional<std::string> part(CURLU* u, CURLUPart which, unsigned flags = 0) {
    char* p = nullptr;
    if (curl_url_get(u, which, &p, flags) != CURLUE_OK || !p) return std::nullopt;
    std::string out(p);
    curl_free(p);
    return out;
}

bool allowed(dns::address_scope s, const webhook_policy& policy) {
    if (s == dns::address_scope::global) return true;
    return policy.allow_private && dns::is_connectable(s);
}

result<void> check_address(const std::string& host, const ip::address& a,
                           const webhook_policy& policy) {
    const auto scope = dns::scope_of(a);
    if (allowed(scope, policy)) return {};
    std::string why = host == a.to_string() ? host : host + " resolves to " + a.to_string();
    why += " (" + std::string(dns::to_string(scope)) + ")";
    why += policy.allow_private ? ": never a host"
                                : ": not a public address (webhooks.allow_private is off)";
    return url_error(webhook_errc::address_refused, std::move(why));
}

std::string pin_of(const webhook_url& u, const ip::address& a) {
    const std::string addr = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return u.host + ":" + std::to_string(u.port) + ":" + addr;
}

}  // namespace

result<webhook_url> parse_webhook_url(std::string_view url, const webhook_policy& policy) {
    if (url.empty() || url.size() > k_max_url_bytes)
        return url_error(webhook_errc::invalid_url,
                         "a URL of 1 to " + std::to_string(k_max_url_bytes) + " bytes");
    const std::unique_ptr<CURLU, void (*)(CURLU*)> u(curl_url(), curl_url_cleanup);
    if (!u) return make_error(errc::internal, "out of memory");
    const std::string text(url);
    if (text.find_first_of(" \t\r\n") != std::string::npos ||
        curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
        return url_error(webhook_errc::invalid_url, "'" + text + "' is not an absolute URL");
    webhook_url out;
    out.scheme = part(u.get(), CURLUPART_SCHEME).value_or("");
    if (out.scheme != "https" && out.scheme != "http")
        return url_error(webhook_errc::invalid_url, "only https:// (or http://) URLs");
    if (out.scheme == "http" && !policy.allow_http)
        return url_error(webhook_errc::https_required,
                         "https:// required (webhooks.allow_http is off)");
    if (part(u.get(), CURLUPART_USER) || part(u.get(), CURLUPART_PASSWORD))
        return url_error(webhook_errc::invalid_url,
                         "no credentials in the URL: requests are signed instead");
    if (part(u.get(), CURLUPART_FRAGMENT))
        return url_error(webhook_errc::invalid_url, "no #fragment in a webhook URL");
    out.host = part(u.get(), CURLUPART_HOST).value_or("");
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
        out.host = out.host.substr(1, out.host.size() - 2);
    if (out.host.empty()) return url_error(webhook_errc::invalid_url, "the URL has no host");
    const auto port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    out.port = static_cast<std::uint16_t>(port ? std::stoul(*port) : 0);
    if (out.port == 0) return url_error(webhook_errc::invalid_url, "port 0");
    boost::system::error_code ec;
    const auto literal = ip::make_address(out.host, ec);
    out.literal = !ec;
    if (out.literal) {
        if (auto ok = check_address(out.host, literal, policy); !ok) return ok.error();
    }
    return out;
}

boost::asio::awaitable<result<pinned_target>> check_webhook_target(dns::resolver& resolver,
                                                                   std::string url,
                                                                   webhook_policy policy) {
    auto parsed = parse_webhook_url(url, policy);
    if (!parsed) co_return parsed.error();
    pinned_target t{*parsed, {}, {}};
    if (t.url.literal) {  // nothing to resolve, so nothing to pin
        t.address = ip::make_address(t.url.host);
        co_return t;
    }
    auto v4 = co_await resolver.a(t.url.host);
    auto v6 = co_await resolver.aaaa(t.url.host);
    std::vector<ip::address> all;
    if (v4) all.insert(all.end(), v4->begin(), v4->end());
    if (v6) all.insert(all.end(), v6->begin(), v6->end());
    if (all.empty()) {
        // A transient failure of either lookup is worth another try.
        for (const auto* r : {&v4, &v6}) {
            if (!*r && dns::is_transient(r->error().code))
                co_return url_error(webhook_errc::dns_failed,
                                    t.url.host + ": " + r->error().to_string());
        }
        const std::string why = !v4 ? v4.error().to_string() : "no A or AAAA record";
        co_return url_error(webhook_errc::unresolvable, t.url.host + ": " + why);
    }
    for (const auto& a : all) {
        if (auto ok = check_address(t.url.host, a, policy); !ok) co_return ok.error();
    }
    t.address = all.front();  // A records first: IPv4 is the more likely to route
    t.pin = pin_of(t.url, t.address);
    co_return t;
}

}  // namespace herald::ops
