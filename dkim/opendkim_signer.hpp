// The reference DKIM signer: libopendkim 2.11 (dkim_sign, dkim_chunk,
// dkim_eom, dkim_getsighdr_d), relaxed/relaxed, the header list and the
// oversigned names set through DKIM_OPTS_SIGNHDRS / DKIM_OPTS_OVERSIGNHDRS.
// Kept as the reference the cached-key signer is checked against, and as
// a configuration choice.
//
// The library handle is the process's one (dkim_init runs once, on the
// first create()); its options are set then, without a lock, so create()
// must run before signing threads start, and every signer in a process
// must use the same signer_options (another list is refused: dkim_failed).
//
// Error contract: see signer.hpp; a key libopendkim cannot use is
// dkim_invalid_key. Thread safety: sign() takes a DKIM handle of its own
// per message; the shared library handle is read-only after create().
// Limits: libopendkim parses the PEM key for every message (slow with
// OpenSSL 3.0: see ../shared/PITFALLS.md) and reads t= from the system
// clock, not herald's.
#pragma once

#include "dkim/signer.hpp"

#include <memory>

namespace herald::dkim {

class opendkim_signer final : public dkim_signer {
public:
    static result<std::unique_ptr<opendkim_signer>> create(const signer_options& options);

    result<std::string> sign(std::string_view message, std::string_view domain,
                             std::string_view selector, const dkim_key& key) const override;

private:
    opendkim_signer() = default;
};

}  // namespace herald::dkim
