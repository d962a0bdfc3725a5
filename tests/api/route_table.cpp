// Prints the server's route table, one "METHOD PATH" a line, for
// `openapi_check.py routes` (CTest: api_routes_match_openapi).
#include "api/routes.hpp"

#include <iostream>

int main() {
    for (const auto& r : herald::api::routes())
        std::cout << r.method << ' ' << r.path << '\n';
    return std::cout ? 0 : 1;
}
