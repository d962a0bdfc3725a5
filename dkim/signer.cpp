#include "dkim/signer.hpp"

#include "dkim/cached_signer.hpp"
#include "dkim/errors.hpp"
#include "dkim/opendkim_signer.hpp"

namespace herald::dkim {

result<std::unique_ptr<dkim_signer>> make_signer(signer_kind kind, const signer_options& options,
                                                 const clock& clock) {
    switch (kind) {
        case signer_kind::cached_key:
            return std::unique_ptr<dkim_signer>(
                std::make_unique<cached_key_signer>(options, clock));
        case signer_kind::opendkim: {
            auto s = opendkim_signer::create(options);
            if (!s) return s.error();
            return std::unique_ptr<dkim_signer>(std::move(*s));
        }
    }
    return make_error(dkim_errc::failed, "unknown signer kind");
}

result<std::string> sign_all(const dkim_signer& signer, std::string_view message,
                             std::span<const signing_key> keys) {
    std::string out;
    for (const auto& k : keys) {
        auto field = signer.sign(message, k.domain, k.selector, k.key);
        if (!field) return field.error();
        out += *field;
    }
    return out;
}

result<void> check_dkim_name(std::string_view name, std::string_view what) {
    bool ok = !name.empty() && name.size() <= 253 && name.front() != '.' && name.back() != '.' &&
              name.find("..") == std::string_view::npos;
    for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.');
    if (!ok)
        return make_error(dkim_errc::invalid_key,
                          "DKIM " + std::string(what) + " '" + std::string(name) +
                              "' is not dot-separated letters, digits and hyphens");
    return {};
}

}  // namespace herald::dkim
