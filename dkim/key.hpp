// A tenant's DKIM private key, parsed once (OpenSSL 3.0 takes about 0.7 ms
// to decode a PEM key, more than an RSA-2048 signature) and then shared,
// immutable, by every signing thread; and a bounded cache of parsed keys.
//
// Error contract: dkim_invalid_key for a key that is not PEM, not RSA or
// Ed25519, or an RSA key under 1024 bits (RFC 8301). Thread safety: a
// dkim_key is immutable after parse() and may be used from any number of
// threads (OpenSSL 3.0 allows concurrent signing with one EVP_PKEY); the
// cache locks internally. Limits: the cache holds at most `max_keys`,
// dropping the oldest entry first.
#pragma once

#include "core/error.hpp"

#include <openssl/types.h>

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace herald::dkim {

enum class dkim_algorithm { rsa_sha256, ed25519_sha256 };

class dkim_key {
public:
    static result<std::shared_ptr<const dkim_key>> parse(std::string_view pem);
    // A new key pair from OpenSSL's generator: RSA of `rsa_bits` (at least
    // 1024, RFC 8301; 2048 is what receivers expect today) or Ed25519.
    static result<std::shared_ptr<const dkim_key>> generate(dkim_algorithm algorithm,
                                                            int rsa_bits = 2048);
    ~dkim_key();
    dkim_key(const dkim_key&) = delete;
    dkim_key& operator=(const dkim_key&) = delete;

    dkim_algorithm algorithm() const noexcept { return algorithm_; }
    std::string_view algorithm_name() const noexcept;  // "rsa-sha256" | "ed25519-sha256"
    int bits() const noexcept { return bits_; }
    const std::string& pem() const noexcept { return pem_; }  // libopendkim parses it itself
    EVP_PKEY* pkey() const noexcept { return pkey_; }

    // The TXT record to publish at <selector>._domainkey.<domain>:
    // "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" or, for Ed25519
    // (RFC 8463), "v=DKIM1; k=ed25519; p=<base64 of the 32-byte key>".
    std::string dns_record() const;

private:
    dkim_key() = default;
    EVP_PKEY* pkey_ = nullptr;
    dkim_algorithm algorithm_ = dkim_algorithm::rsa_sha256;
    int bits_ = 0;
    std::string pem_;
};

class key_cache {
public:
    explicit key_cache(std::size_t max_keys = 10000) : max_keys_(max_keys) {}

    // The parsed key for `key_id` (e.g. tenant/domain/selector), parsed
    // again only when `pem` differs from what was cached (a rotated key).
    result<std::shared_ptr<const dkim_key>> get(std::string_view key_id, std::string_view pem);
    std::size_t size() const;

private:
    const std::size_t max_keys_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const dkim_key>, std::less<>> keys_;
    std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace herald::dkim
