// The cached-key DKIM signer: relaxed/relaxed canonicalisation done here
// (dkim_canon.hpp), SHA-256 and the signature by OpenSSL with the
// dkim_key parsed once. It exists because libopendkim decodes the PEM key
// for every message, which costs more than the RSA signature itself.
//
// Error contract: see signer.hpp. Thread safety: immutable after
// construction; sign() allocates its own OpenSSL contexts per call, so one
// signer and one key serve any number of threads. Limits: signs the whole
// body (no l= tag); t= comes from the clock, no x=.
#pragma once

#include "dkim/signer.hpp"

#include <openssl/types.h>

namespace herald::dkim {

class cached_key_signer final : public dkim_signer {
public:
    cached_key_signer(signer_options options, const clock& clock);
    ~cached_key_signer() override;
    cached_key_signer(const cached_key_signer&) = delete;
    cached_key_signer& operator=(const cached_key_signer&) = delete;

    result<std::string> sign(std::string_view message, std::string_view domain,
                             std::string_view selector, const dkim_key& key) const override;

private:
    result<std::string> body_hash(std::string_view body) const;
    result<std::string> signature(const std::string& data, const dkim_key& key) const;

    signer_options options_;
    const clock& clock_;
    // Fetched once: EVP_get_digestbyname or an implicit fetch per call
    // would look the algorithm up (under a lock) for every message.
    EVP_MD* sha256_ = nullptr;
};

}  // namespace herald::dkim
