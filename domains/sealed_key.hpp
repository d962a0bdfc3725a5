// A DKIM private key sealed for Redis: AES-256-GCM under the master key,
// a fresh random 96-bit nonce per seal, and the tenant, domain and selector
// as associated data, so a sealed value copied to another tenant's or
// domain's record does not open (a tenant's key never signs another's mail).
//
//   hdk1:<master key id>:<base64(nonce | ciphertext | tag)>
//
// Errors: key_unsealable when the value is not of this form, was sealed
// under another master key (named by its id), belongs to another
// tenant/domain/selector, or was altered: the key is never guessed at.
#pragma once

#include "core/error.hpp"
#include "domains/master_key.hpp"

#include <string>
#include <string_view>

namespace herald::domains {

// Whose key it is: bound into the seal as associated data.
struct key_owner {
    std::string_view tenant, domain, selector;
};

std::string seal(const master_key& mk, const key_owner& owner, std::string_view secret);
result<std::string> unseal(const master_key& mk, const key_owner& owner, std::string_view sealed);

}  // namespace herald::domains
