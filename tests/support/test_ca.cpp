#include "tests/support/test_ca.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace herald::test {
namespace {

void run_or_throw(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

std::string quoted(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

}  // namespace

test_ca::test_ca() : dir_("herald-test-ca") {
    const auto& d = dir_.path();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string quiet = " 2>/dev/null";
    std::ofstream(d / "ext.cnf") << "subjectAltName=DNS:" << host
                                 << ",IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                    "extendedKeyUsage=serverAuth\n";
    run_or_throw("openssl req -x509" + ec + " -keyout " + quoted(d / "ca.key") + " -out " +
                 quoted(d / "ca.pem") + " -days 2 -subj '/CN=herald test CA'" + quiet);
    run_or_throw("openssl req -x509" + ec + " -keyout " + quoted(d / "other-ca.key") + " -out " +
                 quoted(d / "other-ca.pem") + " -days 2 -subj '/CN=herald other CA'" + quiet);
    run_or_throw("openssl req" + ec + " -keyout " + quoted(d / "server.key") + " -out " +
                 quoted(d / "server.csr") + " -subj '/CN=" + host + "'" + quiet);
    run_or_throw("openssl x509 -req -in " + quoted(d / "server.csr") + " -CA " +
                 quoted(d / "ca.pem") + " -CAkey " + quoted(d / "ca.key") +
                 " -CAcreateserial -days 2 -out " + quoted(d / "server.pem") + " -extfile " +
                 quoted(d / "ext.cnf") + quiet);
}

}  // namespace herald::test
