#include "domains/master_key.hpp"

#include "domains/errors.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace herald::domains {
namespace {

constexpr std::string_view k_env = "HERALD_MASTER_KEY";

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

bool from_hex(std::string_view s, unsigned char* out) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

// Standard base64 of exactly 32 bytes: 44 characters, one '=' of padding.
bool from_base64(std::string_view s, unsigned char* out) {
    if (s.size() != 44 || s[43] != '=' || s[42] == '=') return false;
    unsigned char buf[33];
    const int n = EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(s.data()), 44);
    if (n != 33) return false;  // EVP_DecodeBlock counts the padding as a byte
    std::copy(buf, buf + 32, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return true;
}

}  // namespace

result<master_key> master_key::parse(std::string_view text) {
    const auto s = trimmed(text);
    master_key k;
    const bool ok =
        s.size() == 2 * size ? from_hex(s, k.bytes_.data()) : from_base64(s, k.bytes_.data());
    if (!ok)
        return make_error(domain_errc::bad_master_key,
                          "the master key must be 32 bytes, as 64 hex digits or 44 characters of "
                          "base64 (head -c 32 /dev/urandom | base64)");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(k.bytes_.data(), size, digest);
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 4; ++i) {
        k.id_ += hex[digest[i] >> 4];
        k.id_ += hex[digest[i] & 15];
    }
    return k;
}

result<master_key> master_key::load(const domains_config& cfg, const getenv_fn& getenv) {
    if (const char* v = getenv(k_env.data()); v && *v) {
        auto k = parse(v);
        if (!k)
            return make_error(domain_errc::bad_master_key,
                              std::string(k_env) + ": " + k.error().detail);
        return k;
    }
    if (cfg.master_key_file.empty())
        return make_error(domain_errc::no_master_key,
                          "no master key to seal DKIM keys with: set HERALD_MASTER_KEY or "
                          "domains.master_key_file (head -c 32 /dev/urandom | base64)");
    std::ifstream f(cfg.master_key_file, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    if (!f)
        return make_error(domain_errc::bad_master_key,
                          "cannot read domains.master_key_file " + cfg.master_key_file);
    std::string content = text.str();
    auto k = parse(content);
    OPENSSL_cleanse(content.data(), content.size());
    if (!k)
        return make_error(domain_errc::bad_master_key,
                          cfg.master_key_file + ": " + k.error().detail);
    return k;
}

master_key::~master_key() {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

}  // namespace herald::domains
