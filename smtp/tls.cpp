#include "smtp/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace herald::smtp {

namespace ssl = boost::asio::ssl;

result<std::shared_ptr<ssl::context>> make_tls_context(const tls_policy& p) {
    if (p.mode == tls_mode::none) return std::shared_ptr<ssl::context>{};
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    if (!p.verify) {
        ctx->set_verify_mode(ssl::verify_none, ec);
        return ctx;
    }
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!ec) {
        if (p.ca_file.empty())
            ctx->set_default_verify_paths(ec);
        else
            ctx->load_verify_file(p.ca_file, ec);
    }
    if (ec)
        return make_error(errc::invalid_argument,
                          "tls: cannot load CA " +
                              (p.ca_file.empty() ? std::string("system store") : p.ca_file) + ": " +
                              ec.message());
    return ctx;
}

bool prepare_client(SSL* ssl, const std::string& host, bool verify) {
    boost::system::error_code ec;
    const auto ip = boost::asio::ip::make_address(host, ec);
    const bool literal = !ec;
    // RFC 6066 §3: SNI carries host names only, never address literals.
    if (!literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
    if (!verify) return true;
    auto* param = SSL_get0_param(ssl);
    // Partial wildcards ("m*.example") are not for mail; "*.example" is.
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (literal) return X509_VERIFY_PARAM_set1_ip_asc(param, ip.to_string().c_str()) == 1;
    return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

std::pair<smtp_errc, std::string> diagnose(SSL* ssl, const boost::system::error_code& ec) {
    const long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))
        return {smtp_errc::tls_verify_failed, std::string("certificate verification failed: ") +
                                                  X509_verify_cert_error_string(v)};
    return {smtp_errc::tls_failed, "TLS handshake failed: " + ec.message()};
}

}  // namespace herald::smtp
