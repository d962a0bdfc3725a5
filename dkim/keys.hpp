// Where the signing keys come from until the domains API stores them:
// a folder with one PEM file per key, <dir>/<domain>/<selector>.pem (RSA
// or Ed25519). Loaded once at start-up, parsed once, shared read-only by
// every signing thread. A domain may have several keys (RSA + Ed25519):
// each signs.
//
// Errors: start-up reports every unreadable or invalid key file with its
// path (dkim_errc::invalid_key); an empty or absent folder is no error
// (mail goes out unsigned, which `herald up`'s capture default is).
#pragma once

#include "dkim/key.hpp"
#include "dkim/signer.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace herald::dkim {

struct domain_key {
    std::string domain, selector;
    std::shared_ptr<const dkim_key> key;
};

class key_store {
public:
    static result<key_store> load(const std::filesystem::path& dir);

    // The keys of a sender's domain (lower-case), none when it has none.
    std::vector<signing_key> keys_for(std::string_view domain) const;
    std::size_t size() const { return keys_.size(); }

private:
    std::multimap<std::string, domain_key, std::less<>> keys_;
};

}  // namespace herald::dkim
