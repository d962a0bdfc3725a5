#include "domains/spf/lookups.hpp"

#include <arpa/nameser.h>

namespace herald::domains::spf {

namespace asio = boost::asio;

asio::awaitable<herald::result<dns::raw_answer>> lookups::ask(std::string name, int type) {
    const auto now = answer_cache::clock::now();
    if (cache_) {
        if (const auto* hit = cache_->find(type, name, now)) co_return *hit;
    }
    ++queries_;
    auto answer = co_await resolver_.raw(name, type);
    if (answer && cache_) cache_->store(type, name, *answer, now);
    co_return answer;
}

asio::awaitable<lookups::names> lookups::txt(std::string name) {
    auto raw = co_await ask(name, ns_t_txt);
    if (!raw) co_return raw.error();
    co_return dns::parse_txt(*raw, name);
}

asio::awaitable<herald::result<std::vector<dns::mx_record>>> lookups::mx(std::string name) {
    auto raw = co_await ask(name, ns_t_mx);
    if (!raw) co_return raw.error();
    co_return dns::parse_mx(*raw, name);
}

asio::awaitable<lookups::addresses> lookups::addresses_of(std::string name, bool v4) {
    auto raw = co_await ask(name, v4 ? ns_t_a : ns_t_aaaa);
    if (!raw) co_return raw.error();
    co_return v4 ? dns::parse_a(*raw, name) : dns::parse_aaaa(*raw, name);
}

asio::awaitable<lookups::names> lookups::ptr(asio::ip::address ip) {
    auto name = dns::reverse_name(ip);
    auto raw = co_await ask(name, ns_t_ptr);
    if (!raw) co_return raw.error();
    co_return dns::parse_ptr(*raw, name);
}

}  // namespace herald::domains::spf
