// The DNS questions check_host asks, through the resolver and, when one is
// given, an answer_cache. Results are the resolver's: dns_nxdomain and
// dns_nodata are answers (SPF's void lookups), the transient codes are
// temperror, `dns_bad_name` a name that could not be asked.
#pragma once

#include "core/error.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "domains/spf/answer_cache.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

namespace herald::domains::spf {

class lookups {
public:
    lookups(dns::resolver& r, answer_cache* cache) : resolver_(r), cache_(cache) {}

    using names = herald::result<std::vector<std::string>>;
    using addresses = herald::result<std::vector<boost::asio::ip::address>>;

    boost::asio::awaitable<names> txt(std::string name);
    boost::asio::awaitable<herald::result<std::vector<dns::mx_record>>> mx(std::string name);
    // A when `v4`, AAAA otherwise.
    boost::asio::awaitable<addresses> addresses_of(std::string name, bool v4);
    boost::asio::awaitable<names> ptr(boost::asio::ip::address ip);

    std::size_t queries() const noexcept { return queries_; }  // sent, not cached

private:
    boost::asio::awaitable<herald::result<dns::raw_answer>> ask(std::string name, int type);

    dns::resolver& resolver_;
    answer_cache* cache_;
    std::size_t queries_ = 0;
};

}  // namespace herald::domains::spf
