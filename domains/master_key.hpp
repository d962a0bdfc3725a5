// The master key that seals every tenant's DKIM private key at rest
// (domains/sealed_key.hpp): 32 random bytes, written as 64 hex digits or
// as base64, from the environment (HERALD_MASTER_KEY) or else from the
// file `domains.master_key_file`. Keep it out of Redis and its backups:
// whoever has both can sign as every tenant.
//
//   head -c 32 /dev/urandom | base64 > /etc/herald/master.key
//
// Errors: no_master_key when neither is set (herald refuses to make a key
// it could only store in the clear); bad_master_key for anything that is
// not 32 bytes, or a file it cannot read. The key is wiped when destroyed.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"

#include <array>
#include <functional>
#include <string>
#include <string_view>

namespace herald::domains {

class master_key {
public:
    static constexpr std::size_t size = 32;
    using getenv_fn = std::function<const char*(const char*)>;

    static result<master_key> load(const domains_config& cfg, const getenv_fn& getenv);
    // From the text form (hex or base64, surrounding whitespace ignored).
    static result<master_key> parse(std::string_view text);

    master_key(const master_key&) = default;
    master_key& operator=(const master_key&) = default;
    ~master_key();

    const std::array<unsigned char, size>& bytes() const noexcept { return bytes_; }
    // Names the key without revealing it (the first 8 hex digits of its
    // SHA-256): sealed values carry it, so a wrong key is named as such.
    const std::string& id() const noexcept { return id_; }

private:
    master_key() = default;
    std::array<unsigned char, size> bytes_{};
    std::string id_;
};

}  // namespace herald::domains
