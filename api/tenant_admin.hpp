// What ops do to a tenant, for both `herald tenant` and the admin routes:
// its settings (every guard's table, validated here), its breakers, and a
// summary of its state. Answers are JSON objects; refusals are errors.
#pragma once

#include "core/error.hpp"
#include "core/tenant_setting.hpp"
#include "queue/redis_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>

namespace herald::api::tenant_admin {

using boost::asio::awaitable;

// Every guard's tenant settings.
std::vector<tenant_setting> all_settings();

// {tenant, settings (effective), overrides, today, breakers, paused}.
awaitable<result<boost::json::object>> show(redis::client& redis, std::uint32_t shards,
                                            std::string tenant);
// Whether `name` is a setting and `value` (nothing: back to the
// default) one it takes; the error names the setting as its field.
result<void> check_setting(std::string_view name, const std::optional<std::string>& value);
// Sets (or, without a value, unsets) one setting, checked first.
awaitable<result<void>> change(redis::client& redis, std::uint32_t shards, std::string tenant,
                               std::string name, std::optional<std::string> value);

// `action` reset|open; `kind` content|recipient|tenant, or empty for every
// kind (reset only); content and recipient breakers need their subject.
// Answers how many breakers changed.
awaitable<result<std::int64_t>> breaker(redis::client& redis, std::uint32_t shards,
                                        std::string tenant, std::string action, std::string kind,
                                        std::string subject, std::uint64_t seconds);

}  // namespace herald::api::tenant_admin
