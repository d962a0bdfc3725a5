#include "sms/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace herald::sms {
namespace {

using digest = std::vector<unsigned char>;

digest hmac_of(const EVP_MD* md, std::string_view key, std::string_view data) {
    digest out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &n);
    out.resize(n);
    return out;
}

digest hash_of(const EVP_MD* md, std::string_view data) {
    digest out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
    out.resize(n);
    return out;
}

std::string hex_of(const digest& d) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(d.size() * 2);
    for (unsigned char c : d) {
        out.push_back(k_hex[c >> 4]);
        out.push_back(k_hex[c & 15]);
    }
    return out;
}

std::string base64_of(const digest& d) {
    std::string out(4 * ((d.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), d.data(),
                                  static_cast<int>(d.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

form_fields sorted_by_name(form_fields f) {
    // Stable: Twilio and Vonage keep a repeated name's values in the order sent.
    std::stable_sort(f.begin(), f.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return f;
}

}  // namespace

bool same_secret_text(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    return hex_of(hmac_of(EVP_sha256(), key, data));
}

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const form_fields& form) {
    std::string text(url);
    for (const auto& [name, value] : sorted_by_name(form))
        text.append(name).append(value);
    return base64_of(hmac_of(EVP_sha1(), auth_token, text));
}

bool twilio_signature_valid(std::string_view auth_token, std::string_view url,
                            const form_fields& form, std::string_view header) {
    if (auth_token.empty() || header.empty()) return false;
    return same_secret_text(twilio_signature(auth_token, url, form), header);
}

std::string vonage_signed_text(const form_fields& params) {
    std::string text;
    for (const auto& [name, value] : sorted_by_name(params)) {
        if (name == "sig") continue;
        std::string v = value;
        std::replace(v.begin(), v.end(), '&', '_');
        std::replace(v.begin(), v.end(), '=', '_');
        text.append("&").append(name).append("=").append(v);
    }
    return text;
}

bool vonage_signature_valid(std::string_view secret, const form_fields& params) {
    if (secret.empty()) return false;
    auto sig =
        std::find_if(params.begin(), params.end(), [](const auto& p) { return p.first == "sig"; });
    if (sig == params.end() || sig->second.empty()) return false;
    const std::string given = lower(sig->second);
    const std::string text = vonage_signed_text(params);
    // The dashboard picks one method per account; each has its own length,
    // but for MD5 (md5hash and MD5 HMAC).
    switch (given.size()) {
        case 32: {
            const bool plain =
                same_secret_text(hex_of(hash_of(EVP_md5(), text + std::string(secret))), given);
            const bool keyed = same_secret_text(hex_of(hmac_of(EVP_md5(), secret, text)), given);
            return plain || keyed;
        }
        case 40:
            return same_secret_text(hex_of(hmac_of(EVP_sha1(), secret, text)), given);
        case 64:
            return same_secret_text(hex_of(hmac_of(EVP_sha256(), secret, text)), given);
        case 128:
            return same_secret_text(hex_of(hmac_of(EVP_sha512(), secret, text)), given);
        default:
            return false;
    }
}

std::string callback_sig(std::string_view secret, std::string_view what) {
    return hmac_sha256_hex(secret, what);
}

bool callback_sig_valid(std::string_view secret, std::string_view what, std::string_view sig) {
    if (secret.empty() || sig.empty()) return false;
    return same_secret_text(callback_sig(secret, what), lower(sig));
}

}  // namespace herald::sms
