#include "dns/mx_route.hpp"

#include "dns/address_scope.hpp"
#include "dns/errors.hpp"
#include "dns/gather.hpp"
#include "dns/name.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace herald::dns {
namespace {

namespace asio = boost::asio;
using asio::ip::address;
using addresses = result<std::vector<address>>;

bool iequal(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

bool allowed(address_scope s, const route_options& opt) {
    if (s == address_scope::global) return true;
    return opt.allow_private && is_connectable(s);
}

// What the lookups of all hosts came to, host by host in route order.
struct tally {
    std::vector<mx_target> targets;
    std::optional<error> transient;  // the first temporary failure of a host left without targets
    std::optional<error> permanent;  // the first other failure, for the detail
    std::string refused;             // the first address refused, for the detail
};

void add_address(tally& t, const address& addr, const mx_target& proto, const route_options& opt) {
    auto scope = scope_of(addr);
    if (!allowed(scope, opt)) {
        if (t.refused.empty())
            t.refused =
                proto.host + " " + addr.to_string() + " (" + std::string(to_string(scope)) + ")";
        return;
    }
    // The same address under two MX hosts is one target: trying it twice
    // only doubles the wait when it is down.
    for (const auto& have : t.targets)
        if (have.address == addr) return;
    if (t.targets.size() >= opt.max_targets) return;
    t.targets.push_back(proto);
    t.targets.back().address = addr;
}

// One host's A and AAAA answers (null when that family is off), in the
// preferred family order.
void add_host(tally& t, const mx_target& proto, const addresses* first, const addresses* second,
              const route_options& opt) {
    std::size_t before = t.targets.size();
    const error* temporary = nullptr;
    for (const auto* answer : {first, second}) {
        if (!answer) continue;
        if (!*answer) {
            const auto& e = answer->error();
            if (is_transient(e.code)) {
                if (!temporary) temporary = &e;
            } else if (!t.permanent) {
                t.permanent = e;
            }
            continue;
        }
        for (const auto& addr : **answer)
            add_address(t, addr, proto, opt);
    }
    // A host that gave nothing usable but failed temporarily may work
    // later: that decides between bounce and defer if no host works now.
    if (t.targets.size() == before && temporary && !t.transient) t.transient = *temporary;
}

result<std::vector<mx_target>> conclude(tally t, const std::string& domain, bool implicit) {
    if (!t.targets.empty()) return std::move(t.targets);
    if (t.transient)
        return make_error(route_errc::no_route_temporary, domain + ": " + t.transient->to_string());
    if (!t.refused.empty())
        return make_error(route_errc::loop_refused,
                          domain + ": refused " + t.refused + ", not a global address");
    std::string why = implicit ? ": no MX and no address" : ": no MX host has an address";
    if (t.permanent) why += " (" + t.permanent->to_string() + ")";
    return make_error(route_errc::no_route_permanent, domain + why);
}

// A failed MX lookup: a name that does not exist or cannot exist bounces,
// anything else may pass.
error mx_failure(const error& e, const std::string& domain) {
    auto code =
        is_transient(e.code) ? route_errc::no_route_temporary : route_errc::no_route_permanent;
    return make_error(code, domain + ": " + e.to_string());
}

}  // namespace

mx_router::mx_router(resolver& r, route_options opt, std::uint64_t seed)
    : resolver_(r), opt_(opt), rng_(seed) {
    if (!opt_.ipv4 && !opt_.ipv6) throw std::invalid_argument("mx_router: no address family");
    if (opt_.max_mx_hosts == 0 || opt_.max_targets == 0)
        throw std::invalid_argument("mx_router: limits must be at least 1");
}

asio::awaitable<result<std::vector<mx_target>>> mx_router::route(std::string domain) {
    auto name = normalize_name(domain);
    if (!name) co_return make_error(route_errc::no_route_permanent, name.error().to_string());
    auto mx = co_await resolver_.mx(*name);
    if (mx) {
        auto hosts = plan(std::move(*mx), *name);
        if (!hosts) co_return hosts.error();
        auto r = co_await resolve(std::move(*hosts), *name, false);
        co_return r;
    }
    if (mx.error().code != dns_errc::nodata) co_return mx_failure(mx.error(), *name);
    // No MX records: the domain itself is the mail host (§5.1).
    std::vector<host_plan> self{{*name, 0}};
    auto r = co_await resolve(std::move(self), *name, true);
    co_return r;
}

result<std::vector<mx_router::host_plan>> mx_router::plan(std::vector<mx_record> mx,
                                                          const std::string& domain) {
    // Shuffle, then a stable sort by preference: equal preferences end up
    // in random order, as RFC 5321 asks.
    std::shuffle(mx.begin(), mx.end(), rng_);
    std::stable_sort(mx.begin(), mx.end(),
                     [](const auto& x, const auto& y) { return x.preference < y.preference; });
    std::vector<host_plan> hosts;
    bool null_mx = false;
    for (auto& r : mx) {
        // RFC 7505 forbids a null MX beside others; if one appears anyway,
        // the real hosts still route.
        if (r.host == ".") {
            null_mx = true;
            continue;
        }
        auto dup = std::find_if(hosts.begin(), hosts.end(),
                                [&](const auto& h) { return iequal(h.host, r.host); });
        if (dup != hosts.end()) continue;
        if (hosts.size() == opt_.max_mx_hosts) break;
        hosts.push_back({std::move(r.host), r.preference});
    }
    if (hosts.empty() && null_mx)
        return make_error(route_errc::null_mx,
                          domain + ": the domain accepts no mail (null MX, RFC 7505)");
    return hosts;
}

asio::awaitable<result<std::vector<mx_target>>> mx_router::resolve(std::vector<host_plan> hosts,
                                                                   std::string domain,
                                                                   bool implicit) {
    std::vector<asio::awaitable<addresses>> lookups;
    for (const auto& h : hosts) {
        if (opt_.ipv4) lookups.push_back(resolver_.a(h.host));
        if (opt_.ipv6) lookups.push_back(resolver_.aaaa(h.host));
    }
    auto answers = co_await gather(std::move(lookups));
    tally t;
    std::size_t k = 0;
    for (auto& h : hosts) {
        const addresses* v4 = opt_.ipv4 ? &answers[k++] : nullptr;
        const addresses* v6 = opt_.ipv6 ? &answers[k++] : nullptr;
        if (opt_.prefer_ipv6) std::swap(v4, v6);
        add_host(t, {std::move(h.host), {}, h.preference, implicit}, v4, v6, opt_);
    }
    co_return conclude(std::move(t), domain, implicit);
}

}  // namespace herald::dns
