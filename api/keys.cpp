#include "api/keys.hpp"

#include "api/base64url.hpp"
#include "api/errors.hpp"
#include "queue/keys.hpp"
#include "queue/tenants.hpp"

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>

namespace herald::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        s += k_digits[p[i] >> 4];
        s += k_digits[p[i] & 15];
    }
    return s;
}

std::string hex(const key_digest& d) {
    return hex(d.data(), d.size());
}

result<void> random_bytes(unsigned char* p, std::size_t n) {
    if (RAND_bytes(p, static_cast<int>(n)) != 1)
        return make_error(errc::internal, "the system's random generator failed");
    return {};
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

key_digest digest_of(std::string_view key) {
    key_digest d{};
    unsigned int n = 0;
    EVP_Digest(key.data(), key.size(), d.data(), &n, EVP_sha256(), nullptr);
    return d;
}

bool same_digest(const key_digest& a, const key_digest& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace keys {

asio::awaitable<result<new_key>> create(redis::client& redis, std::uint32_t shards,
                                        std::string tenant, std::string name) {
    auto exists = co_await queue::tenant_exists(redis, tenant);
    if (!exists) co_return exists.error();
    if (!*exists) co_return make_error(api_errc::not_found, "no tenant " + tenant);
    const auto index = queue::tenant_api_keys_key(queue::shard_of(tenant, shards), tenant);
    auto count = co_await redis.exec(redis::cmd("HLEN", index));
    if (!count) co_return count.error();
    if (count->integer >= static_cast<long long>(k_max_keys_per_tenant))
        co_return make_error(api_errc::conflict, "the tenant has " +
                                                     std::to_string(k_max_keys_per_tenant) +
                                                     " keys, the most it may: revoke one first");
    std::array<unsigned char, 32> secret{};
    std::array<unsigned char, 8> id_bytes{};
    if (auto ok = random_bytes(secret.data(), secret.size()); !ok) co_return ok.error();
    if (auto ok = random_bytes(id_bytes.data(), id_bytes.size()); !ok) co_return ok.error();
    new_key made{"hk_" + base64url_encode(std::string_view(
                             reinterpret_cast<const char*>(secret.data()), secret.size())),
                 "key_" + hex(id_bytes.data(), id_bytes.size())};
    const auto digest = hex(digest_of(made.key));
    const auto record =
        json::serialize(json::object{{"name", name}, {"created_ms", now_ms()}, {"digest", digest}});
    // Two slots, so two commands: the index first, so that a key that
    // works is always one its tenant can list and revoke.
    std::vector<redis::command> cmds{
        redis::cmd("HSET", index, made.id, record),
        redis::cmd("HSET", queue::api_keys_key(), digest, tenant + " " + made.id)};
    auto r = co_await redis.pipeline(std::move(cmds));
    if (!r) co_return r.error();
    for (const auto& reply : *r)
        if (reply.is_error()) co_return redis::error_from_reply(reply);
    co_return made;
}

asio::awaitable<result<std::vector<key_info>>> list(redis::client& redis, std::uint32_t shards,
                                                    std::string tenant) {
    auto r = co_await redis.exec(
        redis::cmd("HGETALL", queue::tenant_api_keys_key(queue::shard_of(tenant, shards), tenant)));
    if (!r) co_return r.error();
    std::vector<key_info> out;
    for (std::size_t i = 0; i + 1 < r->size(); i += 2) {
        key_info k{(*r)[i].str, {}, 0};
        boost::system::error_code ec;
        auto v = json::parse((*r)[i + 1].str, ec);
        if (!ec && v.is_object()) {
            if (const auto* n = v.get_object().if_contains("name"); n && n->is_string())
                k.name = n->get_string();
            if (const auto* c = v.get_object().if_contains("created_ms"); c && c->is_int64())
                k.created_ms = c->get_int64();
        }
        out.push_back(std::move(k));
    }
    std::sort(out.begin(), out.end(),
              [](const key_info& a, const key_info& b) { return a.created_ms < b.created_ms; });
    co_return out;
}

asio::awaitable<result<bool>> revoke(redis::client& redis, std::uint32_t shards, std::string tenant,
                                     std::string id) {
    const auto index = queue::tenant_api_keys_key(queue::shard_of(tenant, shards), tenant);
    auto r = co_await redis.exec(redis::cmd("HGET", index, id));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return false;
    boost::system::error_code ec;
    auto v = json::parse(r->str, ec);
    const json::value* digest =
        !ec && v.is_object() ? v.get_object().if_contains("digest") : nullptr;
    // The digest map first: from this moment the key is refused (after
    // the caches' few seconds), even if the index write below fails.
    std::vector<redis::command> cmds;
    if (digest && digest->is_string())
        cmds.push_back(
            redis::cmd("HDEL", queue::api_keys_key(), std::string(digest->get_string())));
    cmds.push_back(redis::cmd("HDEL", index, id));
    auto done = co_await redis.pipeline(std::move(cmds));
    if (!done) co_return done.error();
    for (const auto& reply : *done)
        if (reply.is_error()) co_return redis::error_from_reply(reply);
    co_return true;
}

asio::awaitable<result<std::optional<key_owner>>> lookup(redis::client& redis, key_digest digest) {
    auto r = co_await redis.exec(redis::cmd("HGET", queue::api_keys_key(), hex(digest)));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<key_owner>{};
    const auto space = r->str.find(' ');
    if (space == std::string::npos)
        co_return make_error(errc::internal, "an API key record is malformed");
    co_return key_owner{r->str.substr(0, space), r->str.substr(space + 1)};
}

}  // namespace keys
}  // namespace herald::api
