#include "dkim/key.hpp"

#include "dkim/errors.hpp"
#include "mime/encode.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <vector>

namespace herald::dkim {
namespace {

std::string base64(const unsigned char* data, std::size_t n) {
    return mime::base64(std::string_view(reinterpret_cast<const char*>(data), n));
}

constexpr int k_min_rsa_bits = 1024;  // RFC 8301 §3.2

error bad_key(std::string detail) {
    return make_error(dkim_errc::invalid_key, std::move(detail));
}

}  // namespace

result<std::shared_ptr<const dkim_key>> dkim_key::parse(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return bad_key("out of memory");
    std::shared_ptr<dkim_key> key(new dkim_key());
    key->pkey_ = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!key->pkey_) return bad_key("not a PEM private key");
    if (EVP_PKEY_is_a(key->pkey_, "RSA")) {
        key->algorithm_ = dkim_algorithm::rsa_sha256;
        key->bits_ = EVP_PKEY_get_bits(key->pkey_);
        if (key->bits_ < k_min_rsa_bits)
            return bad_key("RSA key of " + std::to_string(key->bits_) + " bits (minimum 1024)");
    } else if (EVP_PKEY_is_a(key->pkey_, "ED25519")) {
        key->algorithm_ = dkim_algorithm::ed25519_sha256;
        key->bits_ = EVP_PKEY_get_bits(key->pkey_);
    } else {
        return bad_key("key type is neither RSA nor Ed25519");
    }
    key->pem_ = pem;
    return std::shared_ptr<const dkim_key>(std::move(key));
}

result<std::shared_ptr<const dkim_key>> dkim_key::generate(dkim_algorithm algorithm, int rsa_bits) {
    if (algorithm == dkim_algorithm::rsa_sha256 && rsa_bits < k_min_rsa_bits)
        return bad_key("RSA keys must have at least 1024 bits");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> made(
        algorithm == dkim_algorithm::rsa_sha256
            ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits))
            : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
        &EVP_PKEY_free);
    if (!made) return bad_key("OpenSSL could not generate the key");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), made.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return bad_key("OpenSSL could not write the key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    // Parsed back, so a generated key is checked exactly as a loaded one.
    auto key = parse(std::string_view(data, n > 0 ? static_cast<std::size_t>(n) : 0));
    OPENSSL_cleanse(data, n > 0 ? static_cast<std::size_t>(n) : 0);
    return key;
}

dkim_key::~dkim_key() {
    EVP_PKEY_free(pkey_);
    OPENSSL_cleanse(pem_.data(), pem_.size());
}

std::string_view dkim_key::algorithm_name() const noexcept {
    return algorithm_ == dkim_algorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256";
}

std::string dkim_key::dns_record() const {
    if (algorithm_ == dkim_algorithm::ed25519_sha256) {
        unsigned char raw[32];
        std::size_t n = sizeof raw;
        EVP_PKEY_get_raw_public_key(pkey_, raw, &n);
        return "v=DKIM1; k=ed25519; p=" + base64(raw, n);
    }
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(pkey_, &der);
    std::string out = "v=DKIM1; k=rsa; p=" + base64(der, n > 0 ? static_cast<std::size_t>(n) : 0);
    OPENSSL_free(der);
    return out;
}

// ---- cache ----------------------------------------------------------------

result<std::shared_ptr<const dkim_key>> key_cache::get(std::string_view key_id,
                                                       std::string_view pem) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = keys_.find(key_id); it != keys_.end() && it->second->pem() == pem)
            return it->second;
    }
    // Parsed outside the lock: two threads missing at once both parse,
    // which is cheaper than making every signer wait for one parse.
    auto key = dkim_key::parse(pem);
    if (!key) return key.error();
    std::lock_guard lock(mutex_);
    auto [it, inserted] = keys_.insert_or_assign(std::string(key_id), *key);
    if (inserted) {
        order_.emplace_back(key_id);
        if (order_.size() > max_keys_) {
            keys_.erase(order_.front());
            order_.pop_front();
        }
    }
    return *key;
}

std::size_t key_cache::size() const {
    std::lock_guard lock(mutex_);
    return keys_.size();
}

}  // namespace herald::dkim
