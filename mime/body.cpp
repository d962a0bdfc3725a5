#include "mime/body.hpp"

#include "mime/encode.hpp"
#include "mime/errors.hpp"
#include "mime/header.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

namespace herald::mime {
namespace {

using node = mime_body::node;
using kind = mime_body::kind;

constexpr std::size_t k_max_filename = 255;
constexpr std::size_t k_max_content_id = 250;
constexpr std::size_t k_max_seed = 56;  // boundaries stay within 70 characters (RFC 2046 §5.1.1)

error bad(std::string detail) {
    return make_error(mime_errc::invalid_attachment, std::move(detail));
}

// ---- attachment fields ----------------------------------------------------

result<void> check_field(std::string_view value, const std::string& what) {
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n')
            return make_error(mime_errc::header_injection, what + " contains CR or LF");
        if (c < 0x20 || c == 0x7f) return bad(what + " contains a control character");
    }
    if (!is_valid_utf8(value)) return bad(what + " is not valid UTF-8");
    return {};
}

// RFC 2045 §5.1 token characters.
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return c > 0x20 && c < 0x7f && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
    });
}

result<std::string> content_type(const attachment& a, const std::string& what) {
    if (a.content_type.empty()) return std::string("application/octet-stream");
    if (auto r = check_field(a.content_type, what + " content type"); !r) return r.error();
    const auto slash = a.content_type.find('/');
    if (slash == std::string::npos ||
        !is_token(std::string_view(a.content_type).substr(0, slash)) ||
        !is_token(std::string_view(a.content_type).substr(slash + 1)))
        return bad(what + " content type must be type/subtype");
    std::string lower(a.content_type);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.starts_with("multipart/") || lower.starts_with("message/"))
        return bad(what + " content type " + a.content_type + " cannot be base64-encoded");
    return a.content_type;
}

// `key="value"` for ASCII, RFC 2231 `key*=utf-8''%XX` otherwise.
std::string parameter(std::string_view key, std::string_view value) {
    std::string out(key);
    if (is_ascii(value)) {
        out += "=\"";
        for (char c : value) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
        return out;
    }
    static constexpr char k_hex[] = "0123456789ABCDEF";
    out += "*=utf-8''";
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || std::strchr("!#$&+-.^_`|~", ch) != nullptr) {
            out += ch;
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

result<std::string> content_id(std::string_view cid, const std::string& what) {
    if (auto r = check_field(cid, what + " Content-ID"); !r) return r.error();
    if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>')
        cid = cid.substr(1, cid.size() - 2);
    const bool ok = !cid.empty() && cid.size() <= k_max_content_id &&
                    std::all_of(cid.begin(), cid.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) ||
                               (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~.@", c) != nullptr);
                    });
    if (!ok) return bad(what + " Content-ID must be 1-250 characters of a msg-id");
    return std::string(cid);
}

// ---- parts ----------------------------------------------------------------

result<node> attachment_part(const attachment& a, std::size_t index, std::size_t& b64_chars,
                             std::string& cid_out) {
    const std::string what = "attachment " + std::to_string(index + 1);
    auto type = content_type(a, what);
    if (!type) return type.error();
    if (auto r = check_field(a.filename, what + " filename"); !r) return r.error();
    if (a.filename.size() > k_max_filename) return bad(what + " filename longer than 255 octets");
    if (!check_base64(a.content_b64, b64_chars)) return bad(what + " content is not valid base64");

    node n{kind::base64, *type};
    std::string ct = *type, disposition = a.content_id.empty() ? "attachment" : "inline";
    if (!a.filename.empty()) {
        ct += "; " + parameter("name", a.filename);
        disposition += "; " + parameter("filename", a.filename);
    }
    if (auto r = append_field(n.headers, "Content-Type", ct); !r) return r.error();
    if (auto r = append_field(n.headers, "Content-Disposition", disposition); !r) return r.error();
    n.headers += "Content-Transfer-Encoding: base64\r\n";
    if (!a.content_id.empty()) {
        auto cid = content_id(a.content_id, what);
        if (!cid) return cid.error();
        n.headers += "Content-ID: <" + *cid + ">\r\n";
        cid_out = std::move(*cid);
    }
    n.content = a.content_b64;
    return n;
}

node text_part(std::string_view subtype, std::string_view text) {
    const bool qp = choose_text_encoding(text) == text_encoding::quoted_printable;
    node n{qp ? kind::text_qp : kind::text_7bit, "text/" + std::string(subtype)};
    n.headers = "Content-Type: " + n.type + "; charset=utf-8\r\nContent-Transfer-Encoding: " +
                (qp ? "quoted-printable" : "7bit") + "\r\n";
    n.content = text;
    return n;
}

node multipart(std::string_view subtype, std::string boundary, std::vector<node> children) {
    node n{kind::multipart, "multipart/" + std::string(subtype)};
    std::string ct = n.type;
    if (subtype == "related") ct += "; type=\"" + children.front().type + '"';
    ct += "; boundary=\"" + boundary + '"';
    // A boundary is at most 70 characters without spaces: always foldable.
    (void)append_field(n.headers, "Content-Type", ct);
    n.boundary = std::move(boundary);
    n.children = std::move(children);
    return n;
}

// The 7bit texts are the only content that can contain a boundary line
// (quoted-printable never writes "=_", base64 has neither character).
std::string boundary_base(std::string_view seed, const std::vector<std::string_view>& raw) {
    seed = seed.substr(0, k_max_seed);
    for (int salt = 0;; ++salt) {
        std::string base = "=_hd" + (salt ? std::to_string(salt) : std::string()) + '_';
        base += seed;
        if (std::none_of(raw.begin(), raw.end(), [&](std::string_view t) {
                return t.find(base) != std::string_view::npos;
            }))
            return base;
    }
}

}  // namespace

result<mime_body> mime_body::build(const email_message& m, std::string_view boundary_seed) {
    mime_body body;
    std::vector<node> inline_parts, attached;
    std::set<std::string> cids;
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        std::size_t chars = 0;
        std::string cid;
        const auto field = "attachments[" + std::to_string(i) + "]";
        auto part = attachment_part(m.attachments[i], i, chars, cid);
        if (!part) return at_field(part.error(), field);
        body.min_size_ += chars;
        if (m.attachments[i].content_id.empty()) {
            attached.push_back(std::move(*part));
        } else {
            if (!cids.insert(std::move(cid)).second)
                return at_field(
                    bad("attachment " + std::to_string(i + 1) + " repeats a Content-ID"), field);
            inline_parts.push_back(std::move(*part));
        }
    }
    std::vector<node> texts;
    if (!m.text.empty()) texts.push_back(text_part("plain", m.text));
    if (!m.html.empty()) texts.push_back(text_part("html", m.html));
    if (texts.empty() && attached.empty() && inline_parts.empty())
        texts.push_back(text_part("plain", ""));
    body.min_size_ += m.text.size() + m.html.size();

    std::vector<std::string_view> raw;
    for (const auto& t : texts)
        if (t.k == kind::text_7bit) raw.push_back(t.content);
    const auto base = boundary_base(boundary_seed, raw);

    std::vector<node> top;
    if (texts.size() == 2)
        top.push_back(multipart("alternative", base + "_alt", std::move(texts)));
    else if (texts.size() == 1)
        top.push_back(std::move(texts.front()));
    if (!inline_parts.empty() && !top.empty()) {
        inline_parts.insert(inline_parts.begin(), std::move(top.front()));
        top.front() = multipart("related", base + "_rel", std::move(inline_parts));
    } else {
        // Inline parts with no body to refer to them are plain attachments.
        attached.insert(attached.begin(), std::make_move_iterator(inline_parts.begin()),
                        std::make_move_iterator(inline_parts.end()));
    }
    if (attached.empty()) {
        body.root_ = std::move(top.front());
    } else {
        attached.insert(attached.begin(), std::make_move_iterator(top.begin()),
                        std::make_move_iterator(top.end()));
        body.root_ = multipart("mixed", base + "_mix", std::move(attached));
    }
    return body;
}

void mime_body::write(const node& n, std::string& out) {
    switch (n.k) {
        case kind::text_7bit:
            append_crlf_text(out, n.content);
            return;
        case kind::text_qp:
            append_quoted_printable(out, n.content);
            return;
        case kind::base64:
            append_base64_lines(out, n.content);
            return;
        case kind::multipart:
            for (const auto& child : n.children) {
                out += "--";
                out += n.boundary;
                out += "\r\n";
                out += child.headers;
                out += "\r\n";
                write(child, out);
                out += "\r\n";
            }
            out += "--";
            out += n.boundary;
            out += "--";
            return;
    }
}

}  // namespace herald::mime
