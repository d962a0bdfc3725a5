#include "smtp/settings.hpp"

#include <array>

namespace herald::smtp {
namespace {

constexpr std::array<std::string_view, 2> k_unknown{"delivered", "deferred"};

constexpr std::array k_settings{
    tenant_setting{"smtp.unknown_outcome", 0, 0, false,
                   "no answer after the final dot: delivered (never resend) | deferred", k_unknown},
};

}  // namespace

std::span<const tenant_setting> settings() {
    return k_settings;
}

}  // namespace herald::smtp
