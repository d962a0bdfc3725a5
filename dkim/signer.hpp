// DKIM signing (RFC 6376): the signer interface and its configuration. A
// signer returns the DKIM-Signature field to put in front of a rendered
// message (render.hpp: CRLF line ends, not yet dot-stuffed); the message
// itself is not copied or changed. Always relaxed/relaxed, the algorithm
// is the key's: rsa-sha256, or ed25519-sha256 (RFC 8463). For dual
// signing, call sign() once per key, or sign_all().
//
// Two implementations, chosen by configuration (make_signer):
//  - cached_key (cached_signer.hpp): canonicalisation here, OpenSSL
//    signing with the key parsed once. The fast path.
//  - opendkim (opendkim_signer.hpp): libopendkim, the reference; it
//    parses the PEM key again for every message.
// Both produce signatures that libopendkim's verifier and python3-dkim
// accept (tests/dkim/dkim_test.cpp).
//
// Error contract: dkim_invalid_key for a domain or selector that is not
// dot-separated LDH labels (they go into the d= and s= tags unescaped);
// dkim_failed when the message cannot be parsed or the library fails.
// Thread safety: a signer is immutable once made and sign() may be called
// from any number of threads at once on one shared signer and key. Make
// signers at start-up, before worker threads start (libopendkim's
// options are set without a lock).
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "dkim/key.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herald::dkim {

struct signer_options {
    // Fields signed when present (every instance), in this h= order.
    std::vector<std::string> sign_headers = {"From",
                                             "To",
                                             "Subject",
                                             "Date",
                                             "Message-ID",
                                             "MIME-Version",
                                             "Content-Type",
                                             "List-Unsubscribe",
                                             "List-Unsubscribe-Post"};
    // Listed once more in h= so that no field of that name can be added
    // after signing without breaking the signature.
    std::vector<std::string> oversign_headers = {"From"};

    bool operator==(const signer_options&) const = default;
};

class dkim_signer {
public:
    virtual ~dkim_signer() = default;

    // "DKIM-Signature: v=1; a=...; b=...\r\n", folded within 78 columns
    // where the signer can.
    virtual result<std::string> sign(std::string_view message, std::string_view domain,
                                     std::string_view selector, const dkim_key& key) const = 0;
};

enum class signer_kind { cached_key, opendkim };

// `clock` supplies t= for the cached-key signer (libopendkim reads the
// system time itself) and must outlive the signer.
result<std::unique_ptr<dkim_signer>> make_signer(signer_kind kind, const signer_options& options,
                                                 const clock& clock);

struct signing_key {
    std::string_view domain, selector;
    const dkim_key& key;
};

// One signature per key, in order (e.g. RSA, then Ed25519), concatenated.
result<std::string> sign_all(const dkim_signer& signer, std::string_view message,
                             std::span<const signing_key> keys);

// Checks a d= or s= value: dot-separated labels of letters, digits and
// hyphens (selectors may have several labels), at most 253 octets.
result<void> check_dkim_name(std::string_view name, std::string_view what);

}  // namespace herald::dkim
