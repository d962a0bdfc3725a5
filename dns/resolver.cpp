#include "dns/resolver.hpp"

#include "dns/ares_driver.hpp"
#include "dns/name.hpp"

#include <arpa/nameser.h>

namespace herald::dns {
namespace {

namespace asio = boost::asio;
using asio::ip::address;

// Free coroutines holding their own reference to the driver: a query may
// outlive the resolver object that started it (stop() wakes it, then it
// must not touch `this`).
template <class T, class Parse>
asio::awaitable<result<T>> lookup(std::shared_ptr<ares_driver> driver, std::string name, int type,
                                  Parse parse) {
    auto n = normalize_name(name);
    if (!n) co_return n.error();
    auto answer = co_await driver->query(*n, type);
    co_return parse(answer, *n);
}

asio::awaitable<result<raw_answer>> raw_lookup(std::shared_ptr<ares_driver> driver,
                                               std::string name, int type) {
    auto n = normalize_name(name);
    if (!n) co_return n.error();
    auto answer = co_await driver->query(*n, type);
    co_return answer;
}

}  // namespace

resolver::resolver(asio::any_io_executor ex, const resolver_options& opt)
    : ex_(ex), driver_(ares_driver::create(ex, opt)) {}

resolver::~resolver() {
    stop();
}

void resolver::stop() {
    driver_->stop();
}

std::size_t resolver::outstanding() const {
    return driver_->outstanding();
}

asio::awaitable<result<std::vector<mx_record>>> resolver::mx(std::string domain) {
    return lookup<std::vector<mx_record>>(driver_, std::move(domain), ns_t_mx, parse_mx);
}

asio::awaitable<result<std::vector<address>>> resolver::a(std::string host) {
    return lookup<std::vector<address>>(driver_, std::move(host), ns_t_a, parse_a);
}

asio::awaitable<result<std::vector<address>>> resolver::aaaa(std::string host) {
    return lookup<std::vector<address>>(driver_, std::move(host), ns_t_aaaa, parse_aaaa);
}

asio::awaitable<result<std::vector<std::string>>> resolver::txt(std::string name) {
    return lookup<std::vector<std::string>>(driver_, std::move(name), ns_t_txt, parse_txt);
}

asio::awaitable<result<std::vector<std::string>>> resolver::ptr(address ip) {
    return lookup<std::vector<std::string>>(driver_, reverse_name(ip), ns_t_ptr, parse_ptr);
}

asio::awaitable<result<raw_answer>> resolver::raw(std::string name, int type) {
    return raw_lookup(driver_, std::move(name), type);
}

}  // namespace herald::dns
