#include "dns/resolver_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>

namespace herald::dns {
namespace {

constexpr std::size_t k_max_servers = 16;

error bad(std::string why) {
    return make_error(errc::invalid_argument, "dns: " + std::move(why));
}

// One server as "ip:port" for c-ares, or why it is not one.
result<std::string> parse_server(std::string_view s) {
    std::string_view host = s, port;
    if (s.starts_with('[')) {
        auto close = s.find(']');
        if (close == std::string_view::npos) return bad("server \"" + std::string(s) + "\": no ]");
        host = s.substr(1, close - 1);
        auto rest = s.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':'))
            return bad("server \"" + std::string(s) + "\": junk after ]");
        if (!rest.empty()) port = rest.substr(1);
    } else if (std::count(s.begin(), s.end(), ':') == 1) {
        auto colon = s.find(':');
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(host), ec);
    if (ec) return bad("server \"" + std::string(s) + "\": not an IP address");
    unsigned p = 53;
    if (!port.empty() || s.ends_with(':')) {
        auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (perr != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
            return bad("server \"" + std::string(s) + "\": port must be 1..65535");
    }
    auto text = addr.to_string();
    return (addr.is_v6() ? "[" + text + "]" : text) + ":" + std::to_string(p);
}

}  // namespace

result<void> resolver_options::validate() const {
    if (timeout < std::chrono::milliseconds(1) || timeout > std::chrono::seconds(60))
        return bad("timeout must be 1 ms .. 60 s");
    if (tries < 1 || tries > 10) return bad("tries must be 1 .. 10");
    auto csv = servers_csv();
    if (!csv) return csv.error();
    return {};
}

result<std::string> resolver_options::servers_csv() const {
    if (servers.size() > k_max_servers) return bad("at most 16 servers");
    std::string csv;
    for (const auto& s : servers) {
        auto one = parse_server(s);
        if (!one) return one.error();
        if (!csv.empty()) csv += ',';
        csv += *one;
    }
    return csv;
}

std::vector<std::string> resolver_options::servers_of(std::string_view csv) {
    std::vector<std::string> out;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        auto part = csv.substr(0, comma);
        if (!part.empty()) out.emplace_back(part);
        if (comma == std::string_view::npos) break;
        csv.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace herald::dns
