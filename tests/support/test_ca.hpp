// A test CA made with the openssl CLI: a CA, a server certificate it signed
// for mail.herald.test and 127.0.0.1 (so https://127.0.0.1:PORT verifies),
// and an unrelated CA that did not sign it. Files live as long as the object.
#pragma once

#include "tests/support/child_process.hpp"

#include <filesystem>

namespace herald::test {

class test_ca {
public:
    test_ca();
    std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
    std::filesystem::path other_ca_file() const { return dir_.path() / "other-ca.pem"; }
    std::filesystem::path cert_file() const { return dir_.path() / "server.pem"; }
    std::filesystem::path key_file() const { return dir_.path() / "server.key"; }
    static constexpr const char* host = "mail.herald.test";

private:
    scratch_dir dir_;
};

}  // namespace herald::test
