#include "dkim/keys.hpp"

#include "dkim/errors.hpp"

#include <fstream>
#include <sstream>

namespace herald::dkim {

namespace fs = std::filesystem;

result<key_store> key_store::load(const fs::path& dir) {
    key_store store;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return store;
    std::string problems;
    for (const auto& domain_dir : fs::directory_iterator(dir, ec)) {
        if (!domain_dir.is_directory()) continue;
        const std::string domain = domain_dir.path().filename().string();
        for (const auto& file : fs::directory_iterator(domain_dir.path(), ec)) {
            if (file.path().extension() != ".pem") continue;
            std::ifstream in(file.path());
            std::stringstream pem;
            pem << in.rdbuf();
            auto key = dkim_key::parse(pem.str());
            const std::string selector = file.path().stem().string();
            auto names = check_dkim_name(domain, "domain");
            if (names) names = check_dkim_name(selector, "selector");
            if (!key || !names) {
                problems += file.path().string() + ": " +
                            (key ? names.error() : key.error()).to_string() + "; ";
                continue;
            }
            store.keys_.emplace(domain, domain_key{domain, selector, std::move(*key)});
        }
    }
    if (!problems.empty()) return make_error(dkim_errc::invalid_key, problems);
    return store;
}

std::vector<signing_key> key_store::keys_for(std::string_view domain) const {
    std::vector<signing_key> out;
    auto [from, to] = keys_.equal_range(domain);
    for (auto it = from; it != to; ++it)
        out.push_back({it->second.domain, it->second.selector, *it->second.key});
    return out;
}

}  // namespace herald::dkim
