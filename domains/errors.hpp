// Errors of the sender-domain store: who must act is in the status. A
// verification that finds a record missing or wrong is not an error but a
// verdict (domains/verdict.hpp); these are the calls that cannot proceed.
// Names are part of the public contract, like every code name.
#pragma once

#include "core/error.hpp"

namespace herald::domains {

enum class domain_errc {
    invalid_domain = 1,  // 400: not a domain name herald can send from
    domain_exists,       // 409: the tenant has this domain already
    domain_not_found,    // 404: the tenant has no such domain
    no_master_key,       // 503: neither HERALD_MASTER_KEY nor domains.master_key_file is set
    bad_master_key,      // 503: the master key is not 32 bytes of base64 or hex
    key_unsealable,      // 503: a sealed key does not open (another master key, or tampered)
    rotation_pending,    // 409: a rotation waits for its new records to verify
};

const error_category& domain_category() noexcept;
std::error_code make_error_code(domain_errc e) noexcept;
error make_error(domain_errc e, std::string detail);

}  // namespace herald::domains

template <>
struct std::is_error_code_enum<herald::domains::domain_errc> : std::true_type {};
