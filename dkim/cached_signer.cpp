#include "dkim/cached_signer.hpp"

#include "dkim/canon.hpp"
#include "dkim/errors.hpp"
#include "mime/encode.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace herald::dkim {
namespace {

std::string base64(const unsigned char* data, std::size_t n) {
    return mime::base64(std::string_view(reinterpret_cast<const char*>(data), n));
}

using md_ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

error failed(std::string what) {
    return make_error(dkim_errc::failed, std::move(what));
}

// Writes a DKIM-Signature field folded within 78 columns where it can:
// a fold ("\r\n\t") replaces the space before a tag, or goes after a ':'
// of h= or inside b=, all places where RFC 6376 allows whitespace.
class field_writer {
public:
    explicit field_writer(std::string& out) : out_(out) { put("DKIM-Signature:"); }

    void tag(std::string_view name, std::string_view value) {
        const auto n = name.size() + value.size() + 3;  // " name=value;"
        if (col_ + n > k_width)
            fold();
        else
            put(" ");
        put(name);
        put("=");
        put(value);
        put(";");
    }

    void list_tag(std::string_view name, const std::vector<std::string_view>& items) {
        if (col_ + 1 + name.size() + 1 + (items.empty() ? 0 : items[0].size() + 1) > k_width)
            fold();
        else
            put(" ");
        put(name);
        put("=");
        for (std::size_t i = 0; i < items.size(); ++i) {
            const bool more = i + 1 < items.size();
            if (i > 0 && col_ + items[i].size() + 1 > k_width) fold();
            put(items[i]);
            put(more ? ":" : ";");
        }
    }

    // "b=" last: everything up to here is what gets hashed.
    void open_b() {
        if (col_ + 3 > k_width)
            fold();
        else
            put(" ");
        put("b=");
    }

    void b_value(std::string_view b64) {
        while (!b64.empty()) {
            if (col_ >= k_width) fold();
            const auto n = std::min(b64.size(), k_width - col_);
            put(b64.substr(0, n));
            b64.remove_prefix(n);
        }
    }

private:
    static constexpr std::size_t k_width = 78;
    void put(std::string_view s) {
        out_ += s;
        col_ += s.size();
    }
    void fold() {
        out_ += "\r\n\t";
        col_ = 1;
    }

    std::string& out_;
    std::size_t col_ = 0;
};

}  // namespace

cached_key_signer::cached_key_signer(signer_options options, const clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
    if (!sha256_) throw std::runtime_error("OpenSSL has no SHA256");  // start-up only
}

cached_key_signer::~cached_key_signer() {
    EVP_MD_free(sha256_);
}

result<std::string> cached_key_signer::body_hash(std::string_view body) const {
    md_ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), sha256_, nullptr)) return failed("sha256 init");
    // Canonical lines are gathered into blocks: one digest update per line
    // would cost more than the hashing itself on short lines.
    std::string block;
    block.reserve(16384);
    bool ok = true;
    relaxed_body(body, [&](std::string_view piece) {
        block += piece;
        if (block.size() >= 16000) {
            ok = ok && EVP_DigestUpdate(ctx.get(), block.data(), block.size());
            block.clear();
        }
    });
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ok = ok && EVP_DigestUpdate(ctx.get(), block.data(), block.size()) &&
         EVP_DigestFinal_ex(ctx.get(), digest, &n);
    if (!ok) return failed("sha256 of the body");
    return base64(digest, n);
}

result<std::string> cached_key_signer::signature(const std::string& data,
                                                 const dkim_key& key) const {
    md_ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx) return failed("out of memory");
    unsigned char sig[1024];
    std::size_t sig_len = sizeof sig;
    if (key.algorithm() == dkim_algorithm::rsa_sha256) {
        if (!EVP_DigestSignInit(ctx.get(), nullptr, sha256_, nullptr, key.pkey()) ||
            !EVP_DigestSign(ctx.get(), nullptr, &sig_len, nullptr, 0) || sig_len > sizeof sig ||
            !EVP_DigestSign(ctx.get(), sig, &sig_len,
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()))
            return failed("RSA signature");
        return base64(sig, sig_len);
    }
    // RFC 8463 §3: Ed25519 (pure) signs the SHA-256 of the header data.
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    if (!EVP_Digest(data.data(), data.size(), hash, &hash_len, sha256_, nullptr) ||
        !EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.pkey()) ||
        !EVP_DigestSign(ctx.get(), sig, &sig_len, hash, hash_len))
        return failed("Ed25519 signature");
    return base64(sig, sig_len);
}

result<std::string> cached_key_signer::sign(std::string_view message, std::string_view domain,
                                            std::string_view selector, const dkim_key& key) const {
    if (auto r = check_dkim_name(domain, "domain"); !r) return r.error();
    if (auto r = check_dkim_name(selector, "selector"); !r) return r.error();
    auto parts = split_message(message);
    if (!parts) return parts.error();
    auto bh = body_hash(parts->body);
    if (!bh) return bh.error();
    const auto chosen =
        select_headers(parts->headers, options_.sign_headers, options_.oversign_headers);

    // The field, up to and including "b=": hashed with an empty b= value.
    std::string field;
    field.reserve(1024);
    field_writer w(field);
    w.tag("v", "1");
    w.tag("a", key.algorithm_name());
    w.tag("c", "relaxed/relaxed");
    w.tag("d", domain);
    w.tag("s", selector);
    w.tag("t", std::to_string(clock_.now_ms() / 1000));
    w.list_tag("h", chosen.names);
    w.tag("bh", *bh);
    w.open_b();

    std::string data;
    data.reserve(2048);
    for (const auto raw : chosen.raws) {
        append_relaxed_header(data, raw);
        data += "\r\n";
    }
    append_relaxed_header(data, field);  // no CRLF after the signature field (§3.7)
    auto b = signature(data, key);
    if (!b) return b.error();
    w.b_value(*b);
    field += "\r\n";
    return field;
}

}  // namespace herald::dkim
