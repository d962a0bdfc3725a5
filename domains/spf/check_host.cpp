#include "domains/spf/check_host.hpp"

#include "dns/errors.hpp"
#include "dns/name.hpp"
#include "domains/spf/lookups.hpp"
#include "domains/spf/macro.hpp"
#include "domains/spf/record.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>

namespace herald::domains::spf {
namespace {

namespace asio = boost::asio;
using asio::ip::address;

// Recursion is bounded by the lookup limit already; this only guards
// options that raise it.
constexpr int k_max_depth = 32;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// §5 (and RFC 4291 §2.5.5.2): a mapped IPv4 client is an IPv4 client.
address effective(const address& ip) {
    if (ip.is_v6() && ip.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
    return ip;
}

bool in_network(const address& ip, const address& net, int prefix) {
    if (ip.is_v4() != net.is_v4()) return false;
    auto cmp = [prefix](const auto& a, const auto& b) {
        int bits = prefix;
        for (std::size_t i = 0; i < a.size() && bits > 0; ++i, bits -= 8) {
            const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    };
    if (ip.is_v4()) return cmp(ip.to_v4().to_bytes(), net.to_v4().to_bytes());
    return cmp(ip.to_v6().to_bytes(), net.to_v6().to_bytes());
}

bool is_subdomain_or_same(std::string name, std::string target) {
    name = lower(name), target = lower(target);
    return name == target || (name.size() > target.size() && name.ends_with("." + target));
}

// §4.3: a usable domain is a valid multi-label DNS name.
bool usable_domain(const std::string& d) {
    auto n = dns::normalize_name(d);
    return n && n->find('.') != std::string::npos;
}

std::string describe_error(const herald::error& e) {
    auto n = std::string(e.name());
    if (n.starts_with("dns_")) n = n.substr(4);
    for (auto& c : n)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return n == "NXDOMAIN" || n == "NODATA" ? n : n + " (" + e.detail + ")";
}

struct outcome {
    result code = result::neutral;
    std::string explanation;
    bool published = false;
};

// What one mechanism came to: matched or not, or an error that ends the
// whole evaluation.
struct term_result {
    bool matched = false;
    std::optional<result> stop;
};

class evaluator {
public:
    evaluator(dns::resolver& r, query q, const options& o, evaluation& ev)
        : dns_(r, o.cache), q_(std::move(q)), opt_(o), ev_(ev) {
        ip_ = effective(q_.ip);
        if (q_.sender.empty()) q_.sender = "postmaster@" + q_.domain;
        if (q_.sender.find('@') == std::string::npos) q_.sender = "postmaster@" + q_.sender;
        deadline_ = std::chrono::steady_clock::now() + o.max_duration;
        now_ = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    }

    asio::awaitable<outcome> check(std::string domain, bool in_include, int depth);

private:
    asio::awaitable<outcome> evaluate(const record& rec, const std::string& domain, bool in_include,
                                      int depth);
    asio::awaitable<term_result> matches(const mechanism& m, const std::string& domain, int depth);
    asio::awaitable<term_result> match_include(const mechanism& m, const std::string& domain,
                                               int depth);
    asio::awaitable<term_result> match_a(const mechanism& m, const std::string& domain);
    asio::awaitable<term_result> match_mx(const mechanism& m, const std::string& domain);
    asio::awaitable<term_result> match_ptr(const mechanism& m, const std::string& domain);
    asio::awaitable<term_result> match_exists(const mechanism& m, const std::string& domain);
    asio::awaitable<std::vector<std::string>> validated_names(std::string domain,
                                                              std::string target);
    asio::awaitable<std::string> target_of(const macro_string& spec, const std::string& domain);
    asio::awaitable<outcome> explain(const record& rec, const std::string& domain);

    step& note(const std::string& domain, std::string term, std::string lookup = {}) {
        ev_.trace.push_back({domain,
                             std::move(term),
                             std::move(lookup),
                             {},
                             ev_.dns_lookups,
                             ev_.void_lookups,
                             {}});
        return ev_.trace.back();
    }
    // An error ends the evaluation: its reason is what decided.
    outcome stop(result code, std::string why) {
        ev_.decided_by = std::move(why);
        return {code, {}, false};
    }
    void warn(std::string w) {
        if (std::find(ev_.warnings.begin(), ev_.warnings.end(), w) == ev_.warnings.end())
            ev_.warnings.push_back(std::move(w));
    }
    bool out_of_time() const { return std::chrono::steady_clock::now() >= deadline_; }
    // Counts a DNS-querying term; false once past the limit.
    bool count_lookup() { return ++ev_.dns_lookups <= opt_.max_lookups; }
    // Counts a void answer; false once past the limit.
    bool count_void(step& s) {
        ++ev_.void_lookups;
        s.void_so_far = ev_.void_lookups;
        return ev_.void_lookups <= opt_.max_void;
    }
    // The outcome of a failed lookup: a void one (counted), or temperror.
    std::optional<result> lookup_failed(step& s, const herald::error& e, const std::string& term);
    void warn_about(const record& rec, const std::string& domain);
    macro_context context(const std::string& domain) const {
        return {q_.sender, domain, ip_, q_.helo, {}, opt_.receiver, now_};
    }

    lookups dns_;
    query q_;
    const options& opt_;
    evaluation& ev_;
    address ip_;
    std::int64_t now_ = 0;
    std::chrono::steady_clock::time_point deadline_;
};

std::optional<result> evaluator::lookup_failed(step& s, const herald::error& e,
                                               const std::string& term) {
    s.answers = {describe_error(e)};
    if (dns::is_negative(e.code)) {
        s.outcome = "void";
        if (!count_void(s)) {
            s.outcome = "void lookup limit exceeded";
            stop(result::permerror, "more than " + std::to_string(opt_.max_void) +
                                        " void lookups at " + s.domain + ": " + term);
            return result::permerror;
        }
        return std::nullopt;
    }
    if (e.code == dns::dns_errc::bad_name) {
        s.outcome = "invalid name: no match";
        return std::nullopt;
    }
    s.outcome = "temperror";
    stop(result::temperror, "DNS failed at " + s.domain + ": " + term + ": " + describe_error(e));
    return result::temperror;
}

// %{p} needs DNS, so a target that uses it is expanded after resolving it.
asio::awaitable<std::string> evaluator::target_of(const macro_string& spec,
                                                  const std::string& domain) {
    auto ctx = context(domain);
    if (spec.uses('p')) {
        auto names = co_await validated_names(domain, "");
        ctx.validated = "unknown";
        // §7.3: the domain itself, else one of its subdomains, else any.
        for (const auto& n : names)
            if (lower(n) == lower(domain)) ctx.validated = n;
        for (const auto& n : names)
            if (ctx.validated == "unknown" && is_subdomain_or_same(n, domain)) ctx.validated = n;
        if (ctx.validated == "unknown" && !names.empty()) ctx.validated = names.front();
        warn("%{p} in " + domain + ": the p macro is slow and unreliable (RFC 7208 section 7.3)");
    }
    co_return fit_domain(expand(spec, ctx));
}

// Names of the client's PTR records (the first max_ptr) whose forward
// lookup leads back to it (§5.5); with `target`, only names at or under
// it are tried. Errors skip a name: the ptr mechanism fails to match.
asio::awaitable<std::vector<std::string>> evaluator::validated_names(std::string domain,
                                                                     std::string target) {
    // Steps are appended while this one is filled in: kept by index.
    const auto at = ev_.trace.size();
    note(domain, "(validate client)", "PTR " + dns::reverse_name(ip_));
    auto names = co_await dns_.ptr(ip_);
    std::vector<std::string> out;
    if (!names) {
        ev_.trace[at].answers = {describe_error(names.error())};
        ev_.trace[at].outcome = "no names";
        co_return out;
    }
    ev_.trace[at].answers = *names;
    if (names->size() > static_cast<std::size_t>(opt_.max_ptr))
        names->resize(static_cast<std::size_t>(opt_.max_ptr));
    for (const auto& n : *names) {
        if (!target.empty() && !is_subdomain_or_same(n, target)) continue;
        auto addrs = co_await dns_.addresses_of(n, ip_.is_v4());
        auto& v =
            note(domain, "(validate " + n + ")", std::string(ip_.is_v4() ? "A " : "AAAA ") + n);
        if (!addrs) {
            v.answers = {describe_error(addrs.error())};
            v.outcome = "not validated";
            continue;
        }
        for (const auto& a : *addrs)
            v.answers.push_back(a.to_string());
        const bool back = std::find(addrs->begin(), addrs->end(), ip_) != addrs->end();
        v.outcome = back ? "validated" : "not validated";
        if (back) out.push_back(n);
    }
    ev_.trace[at].outcome = std::to_string(out.size()) + " validated";
    co_return out;
}

asio::awaitable<outcome> evaluator::check(std::string domain, bool in_include, int depth) {
    domain = fit_domain(domain);
    if (!usable_domain(domain)) {
        note(domain, "(domain)").outcome = "not a usable domain: none";
        co_return stop(result::none, "\"" + domain + "\" is not a multi-label domain name");
    }
    if (depth > k_max_depth) co_return stop(result::permerror, "includes nested too deeply");
    auto& s = note(domain, "(record)", "TXT " + domain);
    auto txt = co_await dns_.txt(domain);
    if (!txt) {
        s.answers = {describe_error(txt.error())};
        if (dns::is_negative(txt.error().code) || txt.error().code == dns::dns_errc::bad_name) {
            s.outcome = "no SPF record: none";
            co_return stop(result::none, domain + " has no SPF record");
        }
        s.outcome = "temperror";
        co_return stop(result::temperror, "DNS failed for the record of " + domain + ": " +
                                              describe_error(txt.error()));
    }
    s.answers = *txt;
    std::vector<std::string> spf;
    for (const auto& t : *txt)
        if (is_spf_record(t)) spf.push_back(t);
    if (spf.empty()) {
        s.outcome = "no SPF record: none";
        co_return stop(result::none, domain + " has no SPF record");
    }
    if (spf.size() > 1) {
        s.outcome = "permerror: " + std::to_string(spf.size()) + " v=spf1 records";
        co_return stop(result::permerror, domain + " publishes more than one v=spf1 record");
    }
    auto rec = parse_record(spf.front());
    if (!rec) {
        s.outcome = "permerror: " + rec.error().detail;
        co_return stop(result::permerror, domain + ": syntax error: " + rec.error().detail);
    }
    s.outcome = "record";
    warn_about(*rec, domain);
    auto out = co_await evaluate(*rec, domain, in_include, depth);
    co_return out;
}

void evaluator::warn_about(const record& rec, const std::string& domain) {
    for (const auto& m : rec.mechanisms) {
        if (m.kind == mechanism_kind::all && m.q == qualifier::pass)
            warn(m.text + " in " + domain + ": every host on the Internet passes");
        if (m.kind == mechanism_kind::all && m.q == qualifier::neutral)
            warn(m.text + " in " + domain + ": hosts not listed are neutral, nothing is refused");
        if (m.kind == mechanism_kind::ptr)
            warn(m.text + " in " + domain +
                 ": ptr is slow and unreliable; RFC 7208 section 5.5 says not to use it");
    }
}

asio::awaitable<outcome> evaluator::evaluate(const record& rec, const std::string& domain,
                                             bool in_include, int depth) {
    for (const auto& m : rec.mechanisms) {
        auto t = co_await matches(m, domain, depth);
        if (t.stop) co_return outcome{*t.stop, {}, false};
        if (!t.matched) continue;
        const auto code = result_of(m.q);
        ev_.decided_by = domain + ": " + m.text;
        if (code != result::fail || in_include) co_return outcome{code, {}, false};
        auto why = co_await explain(rec, domain);
        co_return why;
    }
    if (!rec.redirect) {
        ev_.decided_by = domain + ": no term matched (default neutral)";
        co_return outcome{result::neutral, {}, false};
    }
    const auto& term = rec.redirect->text;
    if (!count_lookup()) {
        note(domain, term).outcome = "lookup limit exceeded";
        co_return stop(result::permerror, "more than " + std::to_string(opt_.max_lookups) +
                                              " DNS lookups at " + domain + ": " + term);
    }
    auto target = co_await target_of(rec.redirect->value, domain);
    note(domain, term).outcome = "redirect to " + target;
    // §6.1: the redirect's result is the result; the original's exp= is not used.
    auto out = co_await check(target, in_include, depth + 1);
    if (out.code == result::none) {
        ev_.decided_by.clear();
        co_return stop(result::permerror, domain + ": " + term + ": the target has no SPF record");
    }
    co_return out;
}

asio::awaitable<term_result> evaluator::matches(const mechanism& m, const std::string& domain,
                                                int depth) {
    if (m.counts_lookup() && !count_lookup()) {
        note(domain, m.text).outcome = "lookup limit exceeded";
        stop(result::permerror, "more than " + std::to_string(opt_.max_lookups) +
                                    " DNS lookups at " + domain + ": " + m.text);
        co_return term_result{false, result::permerror};
    }
    if (m.counts_lookup() && out_of_time()) {
        note(domain, m.text).outcome = "temperror: out of time";
        stop(result::temperror, "the evaluation took longer than " +
                                    std::to_string(opt_.max_duration.count()) + " ms, at " +
                                    domain + ": " + m.text);
        co_return term_result{false, result::temperror};
    }
    switch (m.kind) {
        case mechanism_kind::all:
            note(domain, m.text).outcome = "match";
            co_return term_result{true, std::nullopt};
        case mechanism_kind::ip4:
        case mechanism_kind::ip6: {
            const bool hit = in_network(ip_, m.network, m.network.is_v4() ? m.cidr4 : m.cidr6);
            note(domain, m.text).outcome = hit ? "match" : "no match";
            co_return term_result{hit, std::nullopt};
        }
        case mechanism_kind::include: {
            auto r = co_await match_include(m, domain, depth);
            co_return r;
        }
        case mechanism_kind::a: {
            auto r = co_await match_a(m, domain);
            co_return r;
        }
        case mechanism_kind::mx: {
            auto r = co_await match_mx(m, domain);
            co_return r;
        }
        case mechanism_kind::ptr: {
            auto r = co_await match_ptr(m, domain);
            co_return r;
        }
        case mechanism_kind::exists: {
            auto r = co_await match_exists(m, domain);
            co_return r;
        }
    }
    co_return term_result{false, result::permerror};
}

// §5.2: pass matches; fail, softfail and neutral do not; none is permerror.
asio::awaitable<term_result> evaluator::match_include(const mechanism& m, const std::string& domain,
                                                      int depth) {
    auto target = co_await target_of(*m.domain, domain);
    note(domain, m.text).outcome = "include " + target;
    auto inner = co_await check(target, true, depth + 1);
    note(domain, m.text).outcome = std::string(to_string(inner.code)) + " from " + target +
                                   (inner.code == result::pass ? ": match" : "");
    switch (inner.code) {
        case result::pass:
            co_return term_result{true, std::nullopt};
        case result::fail:
        case result::softfail:
        case result::neutral:
            co_return term_result{false, std::nullopt};
        case result::temperror:
            co_return term_result{false, result::temperror};
        case result::none:
            ev_.decided_by = domain + ": " + m.text + ": the included domain has no SPF record";
            co_return term_result{false, result::permerror};
        case result::permerror:
            co_return term_result{false, result::permerror};
    }
    co_return term_result{false, result::permerror};
}

asio::awaitable<term_result> evaluator::match_a(const mechanism& m, const std::string& domain) {
    std::string target = domain;
    if (m.domain) target = co_await target_of(*m.domain, domain);
    const bool v4 = ip_.is_v4();
    auto& s = note(domain, m.text, std::string(v4 ? "A " : "AAAA ") + target);
    auto addrs = co_await dns_.addresses_of(target, v4);
    if (!addrs) {
        auto stopped = lookup_failed(s, addrs.error(), m.text);
        co_return term_result{false, stopped};
    }
    bool hit = false;
    for (const auto& a : *addrs) {
        s.answers.push_back(a.to_string());
        hit = hit || in_network(ip_, a, v4 ? m.cidr4 : m.cidr6);
    }
    s.outcome = hit ? "match" : "no match";
    co_return term_result{hit, std::nullopt};
}

asio::awaitable<term_result> evaluator::match_mx(const mechanism& m, const std::string& domain) {
    std::string target = domain;
    if (m.domain) target = co_await target_of(*m.domain, domain);
    auto& s = note(domain, m.text, "MX " + target);
    auto mx = co_await dns_.mx(target);
    if (!mx) {
        auto stopped = lookup_failed(s, mx.error(), m.text);
        co_return term_result{false, stopped};
    }
    for (const auto& r : *mx)
        s.answers.push_back(std::to_string(r.preference) + " " + r.host);
    // §4.6.4: more than 10 MX names is an error, not a cut.
    if (mx->size() > static_cast<std::size_t>(opt_.max_mx)) {
        s.outcome = "permerror: more than " + std::to_string(opt_.max_mx) + " MX records";
        stop(result::permerror,
             domain + ": " + m.text + ": more than " + std::to_string(opt_.max_mx) + " MX records");
        co_return term_result{false, result::permerror};
    }
    s.outcome = "no match";
    const bool v4 = ip_.is_v4();
    for (const auto& r : *mx) {
        if (r.host == ".") continue;  // a null MX names no host
        auto& h =
            note(domain, m.text + " (" + r.host + ")", std::string(v4 ? "A " : "AAAA ") + r.host);
        auto addrs = co_await dns_.addresses_of(r.host, v4);
        if (!addrs) {
            h.answers = {describe_error(addrs.error())};
            const auto& code = addrs.error().code;
            if (!dns::is_negative(code) && code != dns::dns_errc::bad_name) {
                h.outcome = "temperror";
                stop(result::temperror, "DNS failed at " + domain + ": " + m.text + ": " +
                                            describe_error(addrs.error()));
                co_return term_result{false, result::temperror};
            }
            h.outcome = "no address";
            continue;
        }
        bool hit = false;
        for (const auto& a : *addrs) {
            h.answers.push_back(a.to_string());
            hit = hit || in_network(ip_, a, v4 ? m.cidr4 : m.cidr6);
        }
        h.outcome = hit ? "match" : "no match";
        if (hit) co_return term_result{true, std::nullopt};
    }
    co_return term_result{false, std::nullopt};
}

asio::awaitable<term_result> evaluator::match_ptr(const mechanism& m, const std::string& domain) {
    std::string target = domain;
    if (m.domain) target = co_await target_of(*m.domain, domain);
    note(domain, m.text).outcome = "names under " + target;
    auto names = co_await validated_names(domain, target);
    const bool hit = !names.empty();
    ev_.trace.push_back(
        {domain, m.text, {}, names, ev_.dns_lookups, ev_.void_lookups, hit ? "match" : "no match"});
    co_return term_result{hit, std::nullopt};
}

asio::awaitable<term_result> evaluator::match_exists(const mechanism& m,
                                                     const std::string& domain) {
    auto target = co_await target_of(*m.domain, domain);
    auto& s = note(domain, m.text, "A " + target);
    // §5.7: always an A query, whatever the client's family.
    auto addrs = co_await dns_.addresses_of(target, true);
    if (!addrs) {
        auto stopped = lookup_failed(s, addrs.error(), m.text);
        co_return term_result{false, stopped};
    }
    for (const auto& a : *addrs)
        s.answers.push_back(a.to_string());
    s.outcome = "match";
    co_return term_result{true, std::nullopt};
}

// §6.2: one TXT record at the expanded name, itself a macro-string; any
// problem means herald's default explanation instead.
asio::awaitable<outcome> evaluator::explain(const record& rec, const std::string& domain) {
    outcome out{result::fail, {}, false};
    out.explanation =
        domain + " does not designate " + q_.ip.to_string() + " as a permitted sender";
    if (!rec.exp) co_return out;
    auto target = co_await target_of(rec.exp->value, domain);
    auto& s = note(domain, rec.exp->text, "TXT " + target);
    auto txt = co_await dns_.txt(target);
    if (!txt) {
        s.answers = {describe_error(txt.error())};
        s.outcome = "no explanation";
        co_return out;
    }
    s.answers = *txt;
    if (txt->size() != 1) {
        s.outcome = "no explanation: " + std::to_string(txt->size()) + " records";
        co_return out;
    }
    auto text = parse_macro_string(txt->front(), macro_use::explanation);
    if (!text) {
        s.outcome = "no explanation: " + text.error().detail;
        co_return out;
    }
    auto ctx = context(domain);
    if (text->uses('p')) {
        auto names = co_await validated_names(domain, "");
        ctx.validated = names.empty() ? "unknown" : names.front();
    }
    out.explanation = expand(*text, ctx);
    out.published = true;
    s.outcome = "explanation";
    co_return out;
}

}  // namespace

asio::awaitable<evaluation> check_host(dns::resolver& r, query q, options opt) {
    evaluation ev;
    ev.max_lookups = opt.max_lookups;
    ev.max_void = opt.max_void;
    evaluator e(r, q, opt, ev);
    auto out = co_await e.check(q.domain, false, 0);
    ev.code = out.code;
    if (out.code == result::fail) {
        ev.explanation = std::move(out.explanation);
        ev.explanation_published = out.published;
    }
    if (ev.dns_lookups >= 8)
        ev.warnings.push_back(std::to_string(ev.dns_lookups) + " of the " +
                              std::to_string(opt.max_lookups) +
                              " DNS lookups allowed: close to the limit, receivers will see "
                              "permerror once it is passed");
    co_return ev;
}

}  // namespace herald::domains::spf
