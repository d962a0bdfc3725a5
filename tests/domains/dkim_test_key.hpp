// Real DKIM keys for the record tests, made here with OpenSSL (herald's
// key generation is the domain store's): the TXT value herald publishes
// for each, from dkim::dkim_key::dns_record().
#pragma once

#include "dkim/key.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

namespace herald::domains::test {

// "RSA" with `bits`, or "ED25519".
inline std::string dkim_txt(const char* type, std::size_t bits = 2048) {
    EVP_PKEY* k = std::string_view(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)
                                                  : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    EXPECT_NE(k, nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(k);
    auto key = dkim::dkim_key::parse(pem);
    EXPECT_TRUE(key.has_value());
    return key ? (*key)->dns_record() : std::string();
}

}  // namespace herald::domains::test
