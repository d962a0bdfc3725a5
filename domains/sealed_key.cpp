#include "domains/sealed_key.hpp"

#include "domains/errors.hpp"
#include "mime/encode.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace herald::domains {
namespace {

constexpr std::string_view k_version = "hdk1";
constexpr int k_nonce = 12, k_tag = 16;

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string associated_data(const key_owner& o) {
    std::string ad = "herald-dkim-key";
    for (auto part : {o.tenant, o.domain, o.selector}) {
        ad += '\0';
        ad += part;
    }
    return ad;
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

error unsealable(std::string detail) {
    return make_error(domain_errc::key_unsealable, std::move(detail));
}

}  // namespace

std::string seal(const master_key& mk, const key_owner& owner, std::string_view secret) {
    std::string box(k_nonce + secret.size() + k_tag, '\0');
    auto* out = reinterpret_cast<unsigned char*>(box.data());
    if (RAND_bytes(out, k_nonce) != 1) throw std::runtime_error("RAND_bytes failed");
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    const auto ad = associated_data(owner);
    int n = 0;
    // Failures here are OpenSSL running out of memory: not a user's error.
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, mk.bytes().data(), out) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(ad), static_cast<int>(ad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out + k_nonce, &n, bytes(secret),
                          static_cast<int>(secret.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out + k_nonce + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, k_tag,
                            out + k_nonce + secret.size()) != 1)
        throw std::runtime_error("AES-256-GCM sealing failed");
    return std::string(k_version) + ":" + mk.id() + ":" + mime::base64(box);
}

result<std::string> unseal(const master_key& mk, const key_owner& owner, std::string_view sealed) {
    const auto first = sealed.find(':');
    const auto second = first == std::string_view::npos ? first : sealed.find(':', first + 1);
    if (second == std::string_view::npos || sealed.substr(0, first) != k_version)
        return unsealable("not a sealed key (expected hdk1:<key id>:<data>)");
    const auto key_id = sealed.substr(first + 1, second - first - 1);
    if (key_id != mk.id())
        return unsealable("sealed under master key " + std::string(key_id) +
                          ", and this process has master key " + mk.id());
    const auto b64 = sealed.substr(second + 1);
    std::string box(b64.size() / 4 * 3, '\0');
    const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(box.data()), bytes(b64),
                                        static_cast<int>(b64.size()));
    if (decoded < 0 || b64.size() % 4 != 0) return unsealable("the sealed data is not base64");
    box.resize(static_cast<std::size_t>(decoded) - (b64.ends_with("==")  ? 2
                                                    : b64.ends_with('=') ? 1
                                                                         : 0));
    if (box.size() < k_nonce + k_tag) return unsealable("the sealed data is too short");
    const auto* in = reinterpret_cast<const unsigned char*>(box.data());
    const std::size_t len = box.size() - k_nonce - k_tag;
    std::string secret(len, '\0');
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    const auto ad = associated_data(owner);
    int n = 0;
    const bool ok =
        ctx &&
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, mk.bytes().data(), in) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(ad), static_cast<int>(ad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &n,
                          in + k_nonce, static_cast<int>(len)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, k_tag,
                            const_cast<unsigned char*>(in + k_nonce + len)) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()) + n, &n) ==
            1;
    if (!ok) {
        OPENSSL_cleanse(secret.data(), secret.size());
        return unsealable("the sealed key does not open for " + std::string(owner.tenant) + "/" +
                          std::string(owner.domain) + "/" + std::string(owner.selector) +
                          " (altered, or copied from another domain)");
    }
    return secret;
}

}  // namespace herald::domains
