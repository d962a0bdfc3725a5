#include "dkim/opendkim_signer.hpp"

#include "dkim/errors.hpp"

// dkim.h is C and uses _Bool; GCC's stdbool.h maps it to bool in C++.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)

#include <opendkim/dkim.h>

#include <cstring>
#include <mutex>
#include <vector>

namespace herald::dkim {
namespace {

// A NULL-terminated list of C strings, as signer_options wants it.
struct c_list {
    std::vector<std::string> storage;
    std::vector<const char*> ptrs;

    explicit c_list(const std::vector<std::string>& names) : storage(names) {
        for (const auto& s : storage)
            ptrs.push_back(s.c_str());
        ptrs.push_back(nullptr);
    }
};

// The process's one libopendkim handle and the options it was given.
struct library {
    DKIM_LIB* lib = nullptr;
    signer_options options;
    std::unique_ptr<c_list> sign, oversign;  // kept alive as long as the handle

    ~library() {
        if (lib) dkim_close(lib);
    }
};

library& the_library() {
    static library instance;
    return instance;
}

std::mutex& init_mutex() {
    static std::mutex m;
    return m;
}

error failed(std::string what, DKIM_STAT status) {
    const char* text = dkim_getresultstr(status);
    return make_error(dkim_errc::failed, what + ": " + (text ? text : "unknown status"));
}

result<void> set_list(DKIM_LIB* lib, int option, const c_list& list, const char* what) {
    auto* ptr = const_cast<const char**>(list.ptrs.data());
    const auto status =
        ::dkim_options(lib, DKIM_OP_SETOPT, option, static_cast<void*>(ptr), sizeof ptr);
    if (status != DKIM_STAT_OK) return failed(std::string("dkim_options ") + what, status);
    return {};
}

result<void> initialise(library& l, const signer_options& options) {
    l.lib = dkim_init(nullptr, nullptr);
    if (!l.lib) return make_error(dkim_errc::failed, "dkim_init failed");
    l.options = options;
    l.sign = std::make_unique<c_list>(options.sign_headers);
    l.oversign = std::make_unique<c_list>(options.oversign_headers);
    if (auto r = set_list(l.lib, DKIM_OPTS_SIGNHDRS, *l.sign, "SIGNHDRS"); !r) return r;
    return set_list(l.lib, DKIM_OPTS_OVERSIGNHDRS, *l.oversign, "OVERSIGNHDRS");
}

struct handle_deleter {
    void operator()(DKIM* d) const { dkim_free(d); }
};

}  // namespace

result<std::unique_ptr<opendkim_signer>> opendkim_signer::create(const signer_options& options) {
    std::lock_guard lock(init_mutex());
    auto& l = the_library();
    if (!l.lib) {
        if (auto r = initialise(l, options); !r) return r.error();
    } else if (!(l.options == options)) {
        return make_error(dkim_errc::failed,
                          "libopendkim is set up once per process, with another header list");
    }
    return std::unique_ptr<opendkim_signer>(new opendkim_signer());
}

result<std::string> opendkim_signer::sign(std::string_view message, std::string_view domain,
                                          std::string_view selector, const dkim_key& key) const {
    if (auto r = check_dkim_name(domain, "domain"); !r) return r.error();
    if (auto r = check_dkim_name(selector, "selector"); !r) return r.error();
    const std::string d(domain), s(selector);
    const auto alg = key.algorithm() == dkim_algorithm::rsa_sha256 ? DKIM_SIGN_RSASHA256
                                                                   : DKIM_SIGN_ED25519SHA256;
    DKIM_STAT status = DKIM_STAT_OK;
    // libopendkim takes non-const pointers but only reads through them.
    auto u = [](const std::string& v) {
        return reinterpret_cast<unsigned char*>(const_cast<char*>(v.c_str()));
    };
    std::unique_ptr<DKIM, handle_deleter> dkim(dkim_sign(
        the_library().lib, reinterpret_cast<const unsigned char*>("herald"), nullptr, u(key.pem()),
        u(s), u(d), DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &status));
    if (!dkim || status != DKIM_STAT_OK) {
        auto e = failed("dkim_sign", status);
        if (status == DKIM_STAT_NORESOURCE || status == DKIM_STAT_INTERNAL) return e;
        return make_error(dkim_errc::invalid_key, e.detail);
    }
    auto* data = reinterpret_cast<unsigned char*>(const_cast<char*>(message.data()));
    if ((status = dkim_chunk(dkim.get(), data, message.size())) != DKIM_STAT_OK)
        return failed("dkim_chunk", status);
    if ((status = dkim_chunk(dkim.get(), nullptr, 0)) != DKIM_STAT_OK)
        return failed("dkim_chunk end", status);
    if ((status = dkim_eom(dkim.get(), nullptr)) != DKIM_STAT_OK) return failed("dkim_eom", status);
    unsigned char* value = nullptr;
    std::size_t len = 0;
    status = dkim_getsighdr_d(dkim.get(), std::strlen(DKIM_SIGNHEADER) + 2, &value, &len);
    if (status != DKIM_STAT_OK) return failed("dkim_getsighdr_d", status);
    // The value is folded with bare LF + tab; the message uses CRLF.
    std::string field = DKIM_SIGNHEADER ": ";
    for (std::size_t i = 0; i < len; ++i) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) field += '\r';
        field += static_cast<char>(value[i]);
    }
    field += "\r\n";
    return field;
}

}  // namespace herald::dkim
