#include "api/auth.hpp"

#include "api/errors.hpp"

#include <cstring>

namespace herald::api {

namespace asio = boost::asio;

std::size_t authenticator::digest_hash::operator()(const key_digest& d) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 digest is already uniform
    return h;
}

authenticator::authenticator(redis::client& redis, std::string_view admin_key,
                             std::chrono::milliseconds ttl)
    : redis_(redis), ttl_(ttl) {
    if (!admin_key.empty()) admin_ = digest_of(admin_key);
}

asio::awaitable<result<principal>> authenticator::identify(const http_request& req) {
    const auto header = req[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (header.empty())
        co_return make_error(api_errc::unauthorized, "no Authorization: Bearer <key> header");
    if (header.size() <= scheme.size() ||
        !boost::beast::iequals(header.substr(0, scheme.size()), scheme))
        co_return make_error(api_errc::unauthorized, "Authorization must be Bearer <key>");
    const auto digest = digest_of(header.substr(scheme.size()));
    if (admin_ && same_digest(digest, *admin_)) co_return principal{true, {}};

    const auto now = std::chrono::steady_clock::now();
    auto it = cache_.find(digest);
    if (it == cache_.end() || it->second.until <= now) {
        auto found = co_await keys::lookup(redis_, digest);
        if (!found) co_return found.error();
        if (cache_.size() >= k_max_remembered) cache_.clear();
        const auto ttl = *found ? ttl_ : std::min(ttl_, std::chrono::milliseconds(1000));
        it = cache_.insert_or_assign(digest, remembered{std::move(*found), now + ttl}).first;
    }
    if (!it->second.owner) co_return make_error(api_errc::unauthorized, "unknown or revoked key");
    co_return principal{false, it->second.owner->tenant};
}

}  // namespace herald::api
