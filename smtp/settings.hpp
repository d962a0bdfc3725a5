// The per-tenant settings of email delivery, checked by `herald tenant set`.
#pragma once

#include "core/tenant_setting.hpp"

#include <span>

namespace herald::smtp {

std::span<const tenant_setting> settings();

}  // namespace herald::smtp
