// The route table: every method and path the server answers, who may call
// it, and its handler. api/openapi.yaml lists exactly these (a test holds
// the two together).
#pragma once

#include "api/http.hpp"

#include <span>
#include <string_view>

namespace herald::api {

enum class access {
    anyone,   // no key (health, the OpenAPI document; SMS callbacks, signed by the provider)
    tenant,   // a tenant key: acts on its own tenant only
    admin,    // an admin key
    any_key,  // an admin key, or a tenant key for what is its own (the handler checks)
};

struct route {
    std::string_view method;
    std::string_view path;  // "/v1/messages/{id}": a {name} matches one segment
    access who;
    handler fn;
};

std::span<const route> routes();

struct route_match {
    const route* found = nullptr;
    std::vector<std::string> params;
    std::string allowed;  // not found, but the path takes these methods: 405
};

// `segments` decoded, without the leading empty one.
route_match match_route(std::string_view method, const std::vector<std::string>& segments);

}  // namespace herald::api
