#include "smtp/dkim_signer.hpp"

#include "smtp/dkim_cached_signer.hpp"
#include "smtp/dkim_opendkim_signer.hpp"
#include "smtp/errors.hpp"

namespace herald::smtp {

result<std::unique_ptr<dkim_signer>> make_dkim_signer(dkim_signer_kind kind,
                                                      const dkim_options& options,
                                                      const clock& clock) {
    switch (kind) {
        case dkim_signer_kind::cached_key:
            return std::unique_ptr<dkim_signer>(
                std::make_unique<cached_key_signer>(options, clock));
        case dkim_signer_kind::opendkim: {
            auto s = opendkim_signer::create(options);
            if (!s) return s.error();
            return std::unique_ptr<dkim_signer>(std::move(*s));
        }
    }
    return make_error(smtp_errc::dkim_failed, "unknown signer kind");
}

result<std::string> sign_all(const dkim_signer& signer, std::string_view message,
                             std::span<const dkim_signing_key> keys) {
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
        return make_error(smtp_errc::dkim_invalid_key,
                          "DKIM " + std::string(what) + " '" + std::string(name) +
                              "' is not dot-separated letters, digits and hyphens");
    return {};
}

}  // namespace herald::smtp
