#include "domains/spf/record.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace herald::domains::spf {
namespace {

constexpr std::size_t k_max_terms = 512;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

herald::error bad_term(std::string_view term, std::string_view why) {
    return make_error(errc::invalid_argument,
                      "\"" + std::string(term.substr(0, 120)) + "\": " + std::string(why));
}

// "/N" with no leading zero, 0 .. max; nothing when `s` is not that.
std::optional<int> cidr_length(std::string_view s, int max) {
    if (s.size() < 2 || s.size() > 4 || s[0] != '/') return std::nullopt;
    s.remove_prefix(1);
    if (s.size() > 1 && s[0] == '0') return std::nullopt;
    int n = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n > max) return std::nullopt;
    return n;
}

// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `arg`.
// Returns false when a length is out of range or malformed.
bool take_dual_cidr(std::string_view& arg, mechanism& m) {
    auto dbl = arg.rfind("//");
    if (dbl != std::string_view::npos &&
        arg.find_first_not_of("0123456789", dbl + 2) == std::string_view::npos) {
        auto v6 = cidr_length(arg.substr(dbl + 1), 128);
        if (!v6) return false;
        m.cidr6 = *v6;
        arg = arg.substr(0, dbl);
    }
    auto one = arg.rfind('/');
    if (one != std::string_view::npos &&
        arg.find_first_not_of("0123456789", one + 1) == std::string_view::npos) {
        auto v4 = cidr_length(arg.substr(one), 32);
        if (!v4) return false;
        m.cidr4 = *v4;
        arg = arg.substr(0, one);
    }
    return true;
}

// qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35
bool strict_ipv4(std::string_view s) {
    int parts = 0;
    std::size_t i = 0;
    while (i <= s.size()) {
        auto end = s.find('.', i);
        if (end == std::string_view::npos) end = s.size();
        auto q = s.substr(i, end - i);
        if (q.empty() || q.size() > 3 || (q.size() > 1 && q[0] == '0')) return false;
        int v = 0;
        for (char c : q) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
            v = v * 10 + (c - '0');
        }
        if (v > 255) return false;
        ++parts;
        i = end + 1;
    }
    return parts == 4;
}

herald::result<macro_string> domain_spec(std::string_view term, std::string_view spec) {
    if (spec.empty()) return bad_term(term, "empty domain");
    auto m = parse_macro_string(spec, macro_use::domain_spec);
    if (!m) return bad_term(term, m.error().detail);
    if (!has_domain_end(*m)) return bad_term(term, "the domain does not end in a top-level label");
    return m;
}

herald::result<mechanism> parse_ip(std::string_view term, std::string_view arg, mechanism m) {
    const bool v4 = m.kind == mechanism_kind::ip4;
    auto slash = arg.find('/');
    auto net = arg.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto len = cidr_length(arg.substr(slash), v4 ? 32 : 128);
        if (!len) return bad_term(term, "bad CIDR length");
        (v4 ? m.cidr4 : m.cidr6) = *len;
    }
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(net), ec);
    if (ec || a.is_v4() != v4 || (v4 && !strict_ipv4(net)))
        return bad_term(term, v4 ? "not an IPv4 network" : "not an IPv6 network");
    m.network = a;
    return m;
}

struct kind_name {
    std::string_view name;
    mechanism_kind kind;
};
constexpr kind_name k_kinds[] = {
    {"all", mechanism_kind::all}, {"include", mechanism_kind::include},
    {"a", mechanism_kind::a},     {"mx", mechanism_kind::mx},
    {"ptr", mechanism_kind::ptr}, {"ip4", mechanism_kind::ip4},
    {"ip6", mechanism_kind::ip6}, {"exists", mechanism_kind::exists},
};

herald::result<mechanism> parse_mechanism(std::string_view term) {
    mechanism m;
    m.text = std::string(term);
    std::string_view rest = term;
    switch (rest.empty() ? '\0' : rest[0]) {
        case '+':
            m.q = qualifier::pass, rest.remove_prefix(1);
            break;
        case '-':
            m.q = qualifier::fail, rest.remove_prefix(1);
            break;
        case '~':
            m.q = qualifier::softfail, rest.remove_prefix(1);
            break;
        case '?':
            m.q = qualifier::neutral, rest.remove_prefix(1);
            break;
        default:
            break;
    }
    auto end = rest.find_first_of(":/");
    auto name = lower(rest.substr(0, end));
    auto found = std::find_if(std::begin(k_kinds), std::end(k_kinds),
                              [&](const kind_name& k) { return k.name == name; });
    if (found == std::end(k_kinds)) return bad_term(term, "unknown mechanism");
    m.kind = found->kind;
    std::string_view arg = end == std::string_view::npos ? "" : rest.substr(end);
    const bool has_colon = arg.starts_with(':');
    if (has_colon) arg.remove_prefix(1);
    switch (m.kind) {
        case mechanism_kind::all:
            if (!arg.empty() || has_colon) return bad_term(term, "all takes no argument");
            return m;
        case mechanism_kind::include:
        case mechanism_kind::exists: {
            if (!has_colon) return bad_term(term, "a domain is required");
            auto d = domain_spec(term, arg);
            if (!d) return d.error();
            m.domain = std::move(*d);
            return m;
        }
        case mechanism_kind::a:
        case mechanism_kind::mx:
        case mechanism_kind::ptr: {
            if (m.kind != mechanism_kind::ptr && !take_dual_cidr(arg, m))
                return bad_term(term, "bad CIDR length");
            if (!has_colon && !arg.empty()) return bad_term(term, "unexpected text");
            if (has_colon) {
                auto d = domain_spec(term, arg);
                if (!d) return d.error();
                m.domain = std::move(*d);
            }
            return m;
        }
        case mechanism_kind::ip4:
        case mechanism_kind::ip6:
            if (!has_colon) return bad_term(term, "a network is required");
            return parse_ip(term, arg, std::move(m));
    }
    return bad_term(term, "unknown mechanism");
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=": a modifier.
std::optional<std::size_t> modifier_name_end(std::string_view term) {
    if (term.empty() || !std::isalpha(static_cast<unsigned char>(term[0]))) return std::nullopt;
    for (std::size_t i = 1; i < term.size(); ++i) {
        auto c = static_cast<unsigned char>(term[i]);
        if (c == '=') return i;
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return std::nullopt;
    }
    return std::nullopt;
}

herald::result<void> add_modifier(record& r, std::string_view term, std::size_t eq) {
    modifier m;
    m.name = lower(term.substr(0, eq));
    m.text = std::string(term);
    auto value = term.substr(eq + 1);
    const bool known = m.name == "redirect" || m.name == "exp";
    auto v = known ? domain_spec(term, value) : parse_macro_string(value, macro_use::domain_spec);
    if (!v) return known ? v.error() : bad_term(term, v.error().detail);
    m.value = std::move(*v);
    if (m.name == "redirect" || m.name == "exp") {
        auto& slot = m.name == "redirect" ? r.redirect : r.exp;
        if (slot) return bad_term(term, "a second " + m.name + "= modifier");
        slot = std::move(m);
    } else {
        r.unknown.push_back(std::move(m));
    }
    return {};
}

}  // namespace

std::string_view to_string(mechanism_kind k) noexcept {
    for (const auto& n : k_kinds)
        if (n.kind == k) return n.name;
    return "?";
}

bool mechanism::counts_lookup() const noexcept {
    switch (kind) {
        case mechanism_kind::include:
        case mechanism_kind::a:
        case mechanism_kind::mx:
        case mechanism_kind::ptr:
        case mechanism_kind::exists:
            return true;
        case mechanism_kind::all:
        case mechanism_kind::ip4:
        case mechanism_kind::ip6:
            return false;
    }
    return false;
}

bool is_spf_record(std::string_view txt) noexcept {
    if (txt.size() < 6) return false;
    if (lower(txt.substr(0, 6)) != "v=spf1") return false;
    return txt.size() == 6 || txt[6] == ' ';
}

herald::result<record> parse_record(std::string_view text) {
    if (!is_spf_record(text)) return make_error(errc::invalid_argument, "not a v=spf1 record");
    record r;
    std::size_t terms = 0;
    std::size_t i = 6;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        auto end = text.find(' ', i);
        if (end == std::string_view::npos) end = text.size();
        auto term = text.substr(i, end - i);
        i = end;
        if (++terms > k_max_terms) return bad_term(term, "more than 512 terms");
        if (auto eq = modifier_name_end(term)) {
            if (auto ok = add_modifier(r, term, *eq); !ok) return ok.error();
            continue;
        }
        auto m = parse_mechanism(term);
        if (!m) return m.error();
        r.mechanisms.push_back(std::move(*m));
    }
    return r;
}

}  // namespace herald::domains::spf
