#include "tests/dkim/opendkim_verifier.hpp"

#include <stdbool.h>  // dkim.h is C: GCC maps _Bool to bool in C++

#include <opendkim/dkim.h>

#include <stdexcept>

namespace herald::test {

opendkim_verifier::opendkim_verifier(const std::string& key_file)
    : lib_(dkim_init(nullptr, nullptr)) {
    if (!lib_) throw std::runtime_error("dkim_init failed");
    dkim_query_t method = DKIM_QUERY_FILE;
    if (dkim_options(lib_, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method, sizeof method) !=
            DKIM_STAT_OK ||
        dkim_options(lib_, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, const_cast<char*>(key_file.c_str()),
                     key_file.size()) != DKIM_STAT_OK)
        throw std::runtime_error("signer_options for the query file failed");
}

opendkim_verifier::~opendkim_verifier() {
    dkim_close(lib_);
}

std::vector<bool> opendkim_verifier::verify(std::string_view message) const {
    DKIM_STAT status = DKIM_STAT_OK;
    DKIM* d = dkim_verify(lib_, reinterpret_cast<const unsigned char*>("test"), nullptr, &status);
    if (!d) throw std::runtime_error("dkim_verify failed");
    auto* data = reinterpret_cast<unsigned char*>(const_cast<char*>(message.data()));
    dkim_chunk(d, data, message.size());
    dkim_chunk(d, nullptr, 0);
    dkim_eom(d, nullptr);
    DKIM_SIGINFO** sigs = nullptr;
    int n = 0;
    std::vector<bool> out;
    if (dkim_getsiglist(d, &sigs, &n) == DKIM_STAT_OK) {
        for (int i = 0; i < n; ++i)
            out.push_back((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) != 0 &&
                          dkim_sig_getbh(sigs[i]) == DKIM_SIGBH_MATCH);
    }
    dkim_free(d);
    return out;
}

}  // namespace herald::test
