#include "smtp/auth.hpp"
#include "mime/encode.hpp"

#include <openssl/evp.h>

namespace herald::smtp {
namespace {

constexpr std::size_t max_credential = 255;

failure auth_error(smtp_errc code, std::string detail) {
    return {phase::auth, code, std::nullopt, std::move(detail)};
}

// A refusal keeps the peer's reply (never our line, which holds secrets).
failure refused(reply r) {
    return {phase::auth, smtp_errc::auth_failed, std::move(r), {}};
}

bool valid(const credentials& c) {
    auto ok = [](const std::string& s) {
        return !s.empty() && s.size() <= max_credential && s.find('\0') == std::string::npos;
    };
    return ok(c.user) && ok(c.password);
}

// Sends one line of the exchange and reads the answer.
asio::awaitable<step<reply>> say(chat& c, std::string line, milliseconds timeout) {
    line += "\r\n";
    auto w = co_await c.write(line, phase::auth, timeout);
    if (!w) co_return w.error();
    co_return co_await c.read_reply(phase::auth, timeout);
}

asio::awaitable<step<void>> login(chat& c, const credentials& cr, milliseconds timeout) {
    // The 334 challenges ("Username:", "Password:") are not checked: servers
    // word them differently, and the order is fixed by the mechanism.
    auto r = co_await say(c, "AUTH LOGIN", timeout);
    if (!r) co_return r.error();
    if (r->code != 334) co_return refused(std::move(*r));
    r = co_await say(c, mime::base64(cr.user), timeout);
    if (!r) co_return r.error();
    if (r->code != 334) co_return refused(std::move(*r));
    r = co_await say(c, mime::base64(cr.password), timeout);
    if (!r) co_return r.error();
    if (r->code != 235) co_return refused(std::move(*r));
    co_return step<void>{};
}

}  // namespace

std::optional<auth_mechanism> choose_mechanism(const extensions& ext) noexcept {
    if (ext.auth_plain) return auth_mechanism::plain;
    if (ext.auth_login) return auth_mechanism::login;
    return std::nullopt;
}

std::string plain_response(const credentials& c) {
    std::string raw;
    raw += '\0';
    raw += c.user;
    raw += '\0';
    raw += c.password;
    return mime::base64(raw);
}

asio::awaitable<step<void>> authenticate(chat& c, const extensions& ext, const credentials& cr,
                                         milliseconds timeout) {
    if (!c.tls_active() && !cr.allow_plaintext)
        co_return auth_error(smtp_errc::auth_insecure, "no TLS; AUTH over plain text is off");
    if (!valid(cr))
        co_return auth_error(smtp_errc::auth_failed, "user or password empty, too long or has NUL");
    auto mech = choose_mechanism(ext);
    if (!mech) co_return auth_error(smtp_errc::auth_unavailable, "peer offers no PLAIN or LOGIN");
    if (*mech == auth_mechanism::login) co_return co_await login(c, cr, timeout);
    auto r = co_await say(c, "AUTH PLAIN " + plain_response(cr), timeout);
    if (!r) co_return r.error();
    if (r->code != 235) co_return refused(std::move(*r));
    co_return step<void>{};
}

}  // namespace herald::smtp
