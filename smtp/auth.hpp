// SMTP AUTH for relays (RFC 4954): PLAIN (RFC 4616, preferred: one round
// trip) or LOGIN, whichever the peer offers, over TLS only unless
// allow_plaintext says otherwise.
//
// Error contract: authenticate() answers a failure in phase auth:
// auth_insecure (no TLS and plain text not allowed: nothing was sent),
// auth_unavailable (the peer offers neither mechanism), auth_failed (the
// peer refused; its reply is kept), or the chat's I/O failures. The
// password never appears in a failure, a log line or a diagnostic.
// Limits: user and password up to 255 bytes each; no NUL in either.
#pragma once

#include "mime/encode.hpp"

#include "smtp/chat.hpp"
#include "smtp/extensions.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace herald::smtp {

struct credentials {
    std::string user;
    std::string password;
    bool allow_plaintext = false;  // AUTH without TLS: only for a trusted local relay
};

enum class auth_mechanism { plain, login };

std::optional<auth_mechanism> choose_mechanism(const extensions& ext) noexcept;

// The RFC 4616 initial response: base64("\0" user "\0" password).
std::string plain_response(const credentials& c);

asio::awaitable<step<void>> authenticate(chat& c, const extensions& ext, const credentials& cr,
                                         milliseconds timeout);

}  // namespace herald::smtp
