#include "dns/answer.hpp"

#include "dns/errors.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace herald::dns {
namespace {

using boost::asio::ip::address;

struct ares_data_deleter {
    void operator()(void* p) const { ares_free_data(p); }
};
template <class T>
using ares_ptr = std::unique_ptr<T, ares_data_deleter>;

dns_errc errc_of(int status) {
    switch (status) {
        case ARES_ENOTFOUND:
            return dns_errc::nxdomain;
        case ARES_ENODATA:
            return dns_errc::nodata;
        case ARES_ETIMEOUT:
            return dns_errc::timeout;
        case ARES_ESERVFAIL:
            return dns_errc::servfail;
        case ARES_EREFUSED:
        case ARES_ENOTIMP:  // the server does not do this kind of query: a refusal too
            return dns_errc::refused;
        case ARES_ECONNREFUSED:
            return dns_errc::unreachable;
        case ARES_EBADNAME:
            return dns_errc::bad_name;
        case ARES_EFORMERR:
        case ARES_EBADRESP:
            return dns_errc::bad_response;
        case ARES_ECANCELLED:
        case ARES_EDESTRUCTION:
            return dns_errc::cancelled;
        default:
            return dns_errc::failed;
    }
}

std::string describe(std::string_view type, std::string_view name) {
    std::string s(type);
    s += ' ';
    s += name;
    return s;
}

// The records of one address family. c-ares fills a caller-sized array:
// an A record takes at least 16 octets of the answer, so alen/16 + 1
// entries always suffice.
template <class Ttl, class Parse, class Convert>
result<std::vector<address>> parse_addresses(const raw_answer& a, std::string_view type,
                                             std::string_view name, Parse parse, Convert convert) {
    if (a.status != ARES_SUCCESS) return status_error(a.status, type, name);
    std::vector<Ttl> ttls(a.bytes.size() / 16 + 1);
    int n = static_cast<int>(ttls.size());
    int rc = parse(a.bytes.data(), static_cast<int>(a.bytes.size()), nullptr, ttls.data(), &n);
    if (rc != ARES_SUCCESS) return status_error(rc, type, name);
    std::vector<address> out;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        out.push_back(convert(ttls[static_cast<std::size_t>(i)]));
    if (out.empty()) return status_error(ARES_ENODATA, type, name);
    return out;
}

// ---- a minimal DNS message walker, for TTLs (c-ares 1.18 keeps them only
// for A and AAAA) ---------------------------------------------------------------

struct walker {
    const std::vector<unsigned char>& m;
    std::size_t at = 0;
    bool ok = true;

    std::uint32_t take(std::size_t n) {
        if (!ok || at + n > m.size()) {
            ok = false;
            return 0;
        }
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | m[at + i];
        at += n;
        return v;
    }
    // Skips a possibly compressed name; a pointer ends it.
    void skip_name() {
        for (int labels = 0; ok && labels < 128; ++labels) {
            auto len = take(1);
            if (len == 0) return;
            if ((len & 0xc0) == 0xc0) {
                take(1);
                return;
            }
            if (len & 0xc0) break;
            take(len);
        }
        ok = false;
    }
};

struct rr_head {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::size_t rdata = 0;  // offset of the data
    std::size_t rdlength = 0;
};

rr_head next_rr(walker& w) {
    rr_head h;
    w.skip_name();
    h.type = static_cast<std::uint16_t>(w.take(2));
    w.take(2);  // class
    h.ttl = w.take(4);
    h.rdlength = w.take(2);
    h.rdata = w.at;
    w.take(h.rdlength);
    return h;
}

// RFC 2308 §5: a negative answer lives as long as the lower of the SOA's
// own TTL and its MINIMUM field.
std::optional<std::uint32_t> soa_negative_ttl(const std::vector<unsigned char>& m,
                                              const rr_head& h) {
    walker w{m, h.rdata};
    w.skip_name();  // MNAME
    w.skip_name();  // RNAME
    w.take(16);     // SERIAL REFRESH RETRY EXPIRE
    auto minimum = w.take(4);
    if (!w.ok || w.at > h.rdata + h.rdlength) return std::nullopt;
    return std::min(h.ttl, minimum);
}

}  // namespace

error status_error(int status, std::string_view type, std::string_view name) {
    return make_error(errc_of(status), describe(type, name) + ": " + ares_strerror(status));
}

result<std::vector<mx_record>> parse_mx(const raw_answer& a, std::string_view name) {
    if (a.status != ARES_SUCCESS) return status_error(a.status, "MX", name);
    ares_mx_reply* head = nullptr;
    int rc = ares_parse_mx_reply(a.bytes.data(), static_cast<int>(a.bytes.size()), &head);
    ares_ptr<ares_mx_reply> owned(head);
    if (rc != ARES_SUCCESS) return status_error(rc, "MX", name);
    std::vector<mx_record> out;
    for (auto* r = head; r; r = r->next) {
        std::string host = r->host ? r->host : "";
        while (host.ends_with('.'))
            host.pop_back();
        out.push_back({r->priority, host.empty() ? "." : host});
    }
    if (out.empty()) return status_error(ARES_ENODATA, "MX", name);
    return out;
}

result<std::vector<address>> parse_a(const raw_answer& a, std::string_view name) {
    return parse_addresses<ares_addrttl>(
        a, "A", name,
        [](const unsigned char* b, int len, hostent** h, ares_addrttl* t, int* n) {
            return ares_parse_a_reply(b, len, h, t, n);
        },
        [](const ares_addrttl& t) {
            boost::asio::ip::address_v4::bytes_type bytes;
            std::memcpy(bytes.data(), &t.ipaddr, bytes.size());
            return address(boost::asio::ip::address_v4(bytes));
        });
}

result<std::vector<address>> parse_aaaa(const raw_answer& a, std::string_view name) {
    return parse_addresses<ares_addr6ttl>(
        a, "AAAA", name,
        [](const unsigned char* b, int len, hostent** h, ares_addr6ttl* t, int* n) {
            return ares_parse_aaaa_reply(b, len, h, t, n);
        },
        [](const ares_addr6ttl& t) {
            boost::asio::ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), &t.ip6addr, bytes.size());
            return address(boost::asio::ip::address_v6(bytes));
        });
}

result<std::vector<std::string>> parse_txt(const raw_answer& a, std::string_view name) {
    if (a.status != ARES_SUCCESS) return status_error(a.status, "TXT", name);
    ares_txt_ext* head = nullptr;
    int rc = ares_parse_txt_reply_ext(a.bytes.data(), static_cast<int>(a.bytes.size()), &head);
    ares_ptr<ares_txt_ext> owned(head);
    if (rc != ARES_SUCCESS) return status_error(rc, "TXT", name);
    // c-ares gives one node per character-string; a record starts at each
    // node with record_start set.
    std::vector<std::string> out;
    for (auto* r = head; r; r = r->next) {
        if (r->record_start || out.empty()) out.emplace_back();
        out.back().append(reinterpret_cast<const char*>(r->txt), r->length);
    }
    if (out.empty()) return status_error(ARES_ENODATA, "TXT", name);
    return out;
}

result<std::vector<std::string>> parse_ptr(const raw_answer& a, std::string_view name) {
    if (a.status != ARES_SUCCESS) return status_error(a.status, "PTR", name);
    hostent* host = nullptr;
    // The address only fills the hostent's address list, which is unused.
    const unsigned char any[16] = {};
    int rc = ares_parse_ptr_reply(a.bytes.data(), static_cast<int>(a.bytes.size()), any, 4, AF_INET,
                                  &host);
    std::unique_ptr<hostent, void (*)(hostent*)> owned(host, &ares_free_hostent);
    if (rc != ARES_SUCCESS) return status_error(rc, "PTR", name);
    // c-ares 1.18 lists every PTR name among the aliases (h_name is the last).
    std::vector<std::string> out;
    auto add = [&](const char* n) {
        std::string s = n ? n : "";
        while (s.ends_with('.'))
            s.pop_back();
        if (s.empty()) return;
        for (const auto& o : out)
            if (o == s) return;
        out.push_back(std::move(s));
    };
    for (char** al = host ? host->h_aliases : nullptr; al && *al; ++al)
        add(*al);
    if (out.empty() && host) add(host->h_name);
    if (out.empty()) return status_error(ARES_ENODATA, "PTR", name);
    return out;
}

std::string reverse_name(const address& ip) {
    std::string out;
    if (ip.is_v4()) {
        auto b = ip.to_v4().to_bytes();
        for (auto it = b.rbegin(); it != b.rend(); ++it)
            out += std::to_string(*it) + '.';
        return out + "in-addr.arpa";
    }
    static constexpr char hex[] = "0123456789abcdef";
    auto b = ip.to_v6().to_bytes();
    for (auto it = b.rbegin(); it != b.rend(); ++it) {
        out += hex[*it & 0xf];
        out += '.';
        out += hex[*it >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

std::optional<std::uint32_t> answer_ttl(const raw_answer& a) {
    const bool negative = a.status == ARES_ENOTFOUND || a.status == ARES_ENODATA;
    if ((a.status != ARES_SUCCESS && !negative) || a.bytes.size() < 12) return std::nullopt;
    walker w{a.bytes};
    w.take(4);  // id, flags
    auto qd = w.take(2), an = w.take(2), ns = w.take(2);
    w.take(2);  // additional records
    for (std::uint32_t i = 0; i < qd && w.ok; ++i) {
        w.skip_name();
        w.take(4);
    }
    std::optional<std::uint32_t> ttl;
    for (std::uint32_t i = 0; i < an && w.ok; ++i) {
        auto h = next_rr(w);
        if (w.ok) ttl = std::min(ttl.value_or(h.ttl), h.ttl);
    }
    if (!negative) return w.ok ? ttl : std::nullopt;
    // A NODATA may still carry a CNAME in the answer section: only the SOA counts.
    for (std::uint32_t i = 0; i < ns && w.ok; ++i) {
        auto h = next_rr(w);
        if (w.ok && h.type == 6) return soa_negative_ttl(a.bytes, h);
    }
    return std::nullopt;
}

}  // namespace herald::dns
