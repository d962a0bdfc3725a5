#include "app/local_admin_key.hpp"

#include "api/base64url.hpp"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>

namespace herald::app {

result<std::string> local_admin_key(const config& cfg) {
    const auto file = std::filesystem::path(cfg.local.data_dir) / "admin-api-key";
    std::string kept;
    if (std::ifstream in(file); in) std::getline(in, kept);
    // A key too short to be one herald made is replaced.
    if (kept.size() >= 43) return kept;
    std::array<unsigned char, 32> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        return make_error(errc::internal, "the system's random generator failed");
    auto key = api::base64url_encode(
        std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    std::ofstream out(file, std::ios::trunc);
    out << key << "\n";
    out.close();
    if (!out || ::chmod(file.c_str(), 0600) != 0)
        return make_error(errc::invalid_argument, "cannot write " + file.string());
    return key;
}

}  // namespace herald::app
