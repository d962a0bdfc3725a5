// RFC 4648 §5 base64url without padding: API keys, and the cursors the
// list routes answer, which a client puts in a query string as they are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herald::api {

std::string base64url_encode(std::string_view bytes);
// Nothing when `text` is not base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace herald::api
