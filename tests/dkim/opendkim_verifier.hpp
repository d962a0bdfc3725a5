// The reference verifier for the smtp tests: libopendkim's own
// dkim_verify, with public keys read from a file (DKIM_QUERY_FILE: lines
// "<selector>._domainkey.<domain> <TXT data>") instead of DNS. It has its
// own library handle, set up for verifying; the signer's is untouched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct dkim_lib;

namespace herald::test {

class opendkim_verifier {
public:
    explicit opendkim_verifier(const std::string& key_file);
    ~opendkim_verifier();
    opendkim_verifier(const opendkim_verifier&) = delete;
    opendkim_verifier& operator=(const opendkim_verifier&) = delete;

    // One verdict per DKIM-Signature, in the order libopendkim lists them:
    // true when the signature and the body hash both match.
    std::vector<bool> verify(std::string_view message) const;

private:
    dkim_lib* lib_;
};

}  // namespace herald::test
