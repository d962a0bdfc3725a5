#include "dns/answer.hpp"

#include "dns/errors.hpp"

#include <ares.h>
#include <arpa/inet.h>

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

}  // namespace herald::dns
