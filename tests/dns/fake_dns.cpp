#include "tests/dns/fake_dns.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <vector>

namespace herald::test {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The header and question of a query, or 0 if it is not a plain query.
std::size_t question_end(const unsigned char* p, std::size_t n) {
    std::size_t i = 12;
    while (i < n && p[i] != 0)
        i += 1 + p[i];
    return i + 5 <= n ? i + 5 : 0;  // root label, QTYPE, QCLASS
}

// A reply to `query`: same id and question, QR and RA set, the RCODE, and
// no EDNS record. `claim_answer` sets ANCOUNT to 1 without a record.
std::vector<unsigned char> reply(const unsigned char* q, std::size_t n, int rcode,
                                 bool claim_answer) {
    auto end = question_end(q, n);
    if (end == 0) return {};
    std::vector<unsigned char> r(q, q + end);
    r[2] = static_cast<unsigned char>(0x80 | (q[2] & 0x79));   // QR, opcode, RD
    r[3] = static_cast<unsigned char>(0x80 | (rcode & 0x0f));  // RA, RCODE
    r[6] = 0, r[7] = claim_answer ? 1 : 0;                     // ANCOUNT
    r[8] = r[9] = r[10] = r[11] = 0;                           // NSCOUNT, ARCOUNT
    return r;
}

}  // namespace

struct fake_dns_state {
    explicit fake_dns_state(asio::io_context& ioc)
        : sock(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
    udp::socket sock;
    std::size_t queries = 0;
};

namespace {

asio::awaitable<void> serve(std::shared_ptr<fake_dns_state> st, int rcode, bool garbage) {
    std::array<unsigned char, 1500> buf;
    udp::endpoint from;
    for (;;) {
        auto [ec, n] = co_await st->sock.async_receive_from(asio::buffer(buf), from, use_tuple);
        if (ec) co_return;
        ++st->queries;
        auto r = reply(buf.data(), n, rcode, garbage);
        if (r.empty()) continue;
        auto [wec, sent] = co_await st->sock.async_send_to(asio::buffer(r), from, use_tuple);
        if (wec == asio::error::operation_aborted) co_return;
    }
}

}  // namespace

fake_dns::fake_dns(asio::io_context& ioc, mode m, int rcode)
    : st_(std::make_shared<fake_dns_state>(ioc)), port_(st_->sock.local_endpoint().port()) {
    if (m != mode::silent)
        asio::co_spawn(ioc, serve(st_, rcode, m == mode::garbage), asio::detached);
}

fake_dns::~fake_dns() {
    boost::system::error_code ignored;
    st_->sock.close(ignored);
}

std::size_t fake_dns::queries() const {
    return st_->queries;
}

std::uint16_t closed_port() {
    asio::io_context ioc;
    udp::socket s(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();  // closed again when `s` goes
}

}  // namespace herald::test
