#include "ops/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>

namespace herald::ops {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 32> buf{};
    if (bytes > buf.size() || RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) std::abort();
    return hex(buf.data(), bytes);
}

}  // namespace

std::string new_webhook_secret() {
    return "whsec_" + random_hex(32);
}

std::string new_endpoint_id() {
    return "we_" + random_hex(8);
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_s, std::string_view body) {
    std::string message = std::to_string(unix_s);
    message += '.';
    message += body;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
              &len))
        std::abort();
    return hex(mac.data(), len);
}

std::vector<std::string> webhook_headers(std::string_view batch_id, std::string_view secret,
                                         std::int64_t unix_s, std::string_view body) {
    const std::string t = std::to_string(unix_s);
    return {"Content-Type: application/json", "Herald-Webhook-Id: " + std::string(batch_id),
            "Herald-Webhook-Timestamp: " + t,
            "Herald-Webhook-Signature: t=" + t + ",v1=" + webhook_signature(secret, unix_s, body)};
}

}  // namespace herald::ops
