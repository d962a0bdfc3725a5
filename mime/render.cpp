#include "mime/render.hpp"
#include "mime/validate.hpp"

#include "mime/address.hpp"
#include "mime/body.hpp"
#include "mime/encode.hpp"
#include "mime/errors.hpp"
#include "mime/header.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace herald::mime {
namespace {

constexpr std::size_t k_max_header_name = 76;  // "Name: " still fits the first line
constexpr std::size_t k_max_message_id = 64;

// Fields herald writes, and fields no producer may set: Bcc would leak the
// blind copies, Sender/Return-Path belong to the envelope, DKIM-Signature
// to the signer, Received to the MTAs (a forged trace). Any Content-* is
// refused as well (checked separately).
constexpr std::array<std::string_view, 15> k_reserved = {"from",
                                                         "to",
                                                         "cc",
                                                         "bcc",
                                                         "reply-to",
                                                         "subject",
                                                         "date",
                                                         "message-id",
                                                         "mime-version",
                                                         "list-unsubscribe",
                                                         "list-unsubscribe-post",
                                                         "sender",
                                                         "return-path",
                                                         "dkim-signature",
                                                         "received"};

error bad_header(std::string detail) {
    return make_error(mime_errc::invalid_header, std::move(detail));
}

// ---- checks -------------------------------------------------------------

result<void> check_message_id(std::string_view id) {
    const bool ok =
        !id.empty() && id.size() <= k_max_message_id && id.front() != '.' && id.back() != '.' &&
        id.find("..") == std::string_view::npos && std::all_of(id.begin(), id.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
    if (!ok) return bad_header("message id must be 1-64 characters of [A-Za-z0-9._-]");
    return {};
}

// A URI inside <...>: printable ASCII without space, angle brackets or quotes.
result<void> check_uri(std::string_view uri, std::string_view scheme, std::string_view what) {
    if (auto r = check_header_text(uri, what); !r) return r;
    if (!ascii_lower(uri.substr(0, scheme.size())).starts_with(scheme) ||
        uri.size() == scheme.size())
        return bad_header(std::string(what) + " must start with " + std::string(scheme));
    for (char c : uri)
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
            return bad_header(std::string(what) + " has a character that must be %-encoded");
    return {};
}

result<void> check_extra_name(std::string_view name) {
    if (name.find_first_of("\r\n") != std::string_view::npos)
        return make_error(mime_errc::header_injection, "header name contains CR or LF");
    const bool ok = !name.empty() && name.size() <= k_max_header_name &&
                    std::all_of(name.begin(), name.end(),
                                [](char c) { return c >= 33 && c <= 126 && c != ':'; });
    if (!ok) return bad_header("header name must be 1-76 printable characters without ':'");
    const auto l = ascii_lower(name);
    if (l.starts_with("content-") ||
        std::find(k_reserved.begin(), k_reserved.end(), l) != k_reserved.end())
        return make_error(mime_errc::reserved_header,
                          "header " + std::string(name) + " is written by herald");
    return {};
}

// ---- header section -----------------------------------------------------

class header_writer {
public:
    explicit header_writer(std::string& out) : out_(out) {}

    result<void> field(std::string_view name, std::string_view value) {
        return append_field(out_, name, value);
    }

    // A list of mailboxes (model field `path`: "to", "cc"); each addr-spec
    // joins the envelope's recipients.
    result<void> mailboxes(std::string_view name, std::string_view path,
                           const std::vector<std::string>& list,
                           std::vector<std::string>& rcpt_to) {
        std::string value;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto m = parse_mailbox(list[i]);
            if (!m) return at_field(m.error(), indexed(path, i));
            note(*m);
            add_recipient(rcpt_to, m->addr_spec());
            if (!value.empty()) value += ", ";
            value += format_mailbox(*m);
        }
        if (value.empty()) return {};
        if (auto r = field(name, value); !r) return at_field(r.error(), std::string(path));
        return {};
    }

    // A mailbox written into a header field: a UTF-8 local part goes raw.
    void note(const mailbox& m) noexcept { utf8_ = utf8_ || m.needs_smtputf8(); }
    bool utf8() const noexcept { return utf8_; }

    static std::string indexed(std::string_view path, std::size_t i) {
        return std::string(path) + '[' + std::to_string(i) + ']';
    }

    static void add_recipient(std::vector<std::string>& rcpt_to, std::string addr) {
        if (std::find(rcpt_to.begin(), rcpt_to.end(), addr) == rcpt_to.end())
            rcpt_to.push_back(std::move(addr));
    }

private:
    std::string& out_;
    bool utf8_ = false;
};

result<void> write_unsubscribe(header_writer& w, const render_options& o) {
    if (o.unsubscribe_url.empty() && o.unsubscribe_mailto.empty()) return {};
    std::string value;
    if (!o.unsubscribe_url.empty()) {
        if (auto r = check_uri(o.unsubscribe_url, "https://", "unsubscribe URL"); !r) return r;
        value = '<' + o.unsubscribe_url + '>';
    }
    if (!o.unsubscribe_mailto.empty()) {
        if (auto r = check_uri(o.unsubscribe_mailto, "mailto:", "unsubscribe mailto"); !r) return r;
        value += (value.empty() ? "<" : ", <") + o.unsubscribe_mailto + '>';
    }
    if (auto r = w.field("List-Unsubscribe", value); !r) return r;
    // RFC 8058: one-click needs an HTTPS URI to POST to.
    if (!o.unsubscribe_url.empty())
        return w.field("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    return {};
}

result<void> write_extra(header_writer& w, const email_message& m) {
    for (const auto& [name, value] : m.headers) {
        auto r = check_extra_name(name);
        if (r) r = check_header_text(value, "header " + name);
        if (r) r = w.field(name, unstructured_value(name, value));
        if (!r) return at_field(r.error(), "headers." + name);
    }
    return {};
}

result<void> write_headers(rendered_message& out, const email_message& m, const render_options& o,
                           const clock& clock) {
    header_writer w(out.data);
    auto from = parse_mailbox(m.from);
    if (!from) return at_field(from.error(), "from");
    out.mail_from = from->addr_spec();
    w.note(*from);
    if (auto r = w.field("From", format_mailbox(*from)); !r) return at_field(r.error(), "from");
    if (auto r = w.mailboxes("To", "to", m.to, out.rcpt_to); !r) return r;
    if (auto r = w.mailboxes("Cc", "cc", m.cc, out.rcpt_to); !r) return r;
    for (std::size_t i = 0; i < m.bcc.size(); ++i) {
        auto b = parse_mailbox(m.bcc[i]);
        if (!b) return at_field(b.error(), header_writer::indexed("bcc", i));
        header_writer::add_recipient(out.rcpt_to, b->addr_spec());
    }
    if (out.rcpt_to.empty())
        return at_field(make_error(mime_errc::invalid_address, "no recipients"), "to");
    if (!m.reply_to.empty()) {
        auto r = parse_mailbox(m.reply_to);
        if (!r) return at_field(r.error(), "reply_to");
        w.note(*r);
        if (auto f = w.field("Reply-To", format_mailbox(*r)); !f)
            return at_field(f.error(), "reply_to");
    }
    auto subject = check_header_text(m.subject, "subject");
    if (subject) subject = w.field("Subject", unstructured_value("Subject", m.subject));
    if (!subject) return at_field(subject.error(), "subject");
    if (auto r = w.field("Date", rfc5322_date(clock.now_ms())); !r) return r;
    if (auto r = w.field("Message-ID", '<' + o.message_id + '@' + from->domain + '>'); !r) return r;
    if (auto r = w.field("MIME-Version", "1.0"); !r) return r;
    if (auto r = write_unsubscribe(w, o); !r) return r;
    out.utf8_headers = w.utf8();
    // Domains are A-labels, so a non-ASCII address has a UTF-8 local part.
    out.needs_smtputf8 =
        out.utf8_headers || std::any_of(out.rcpt_to.begin(), out.rcpt_to.end(),
                                        [](const auto& a) { return !is_ascii(a); });
    return write_extra(w, m);
}

error too_large(std::size_t size, std::size_t max) {
    return make_error(mime_errc::message_too_large, "message of " + std::to_string(size) +
                                                        " bytes exceeds " + std::to_string(max));
}

// What validate() renders with: nothing in it can fail, so a message that
// validates fails render() only on the caller's options or its size.
struct validation_clock final : clock {
    millis now_ms() const noexcept override { return 0; }
};

}  // namespace

result<void> validate(const email_message& m) {
    static const validation_clock k_clock;
    render_options o;
    o.message_id = "validate";
    rendered_message headers;
    if (auto r = write_headers(headers, m, o, k_clock); !r) return r;
    if (auto body = mime_body::build(m, o.message_id); !body) return body.error();
    return {};
}

result<rendered_message> render(const email_message& m, const render_options& options,
                                const clock& clock) {
    if (auto r = check_message_id(options.message_id); !r) return r.error();
    auto body = mime_body::build(m, options.message_id);
    if (!body) return body.error();
    // Refuse before writing when the content alone is already too large.
    if (body->min_size() > options.max_bytes) return too_large(body->min_size(), options.max_bytes);

    rendered_message out;
    out.data.reserve(body->min_size() + body->min_size() / 20 + 4096);
    if (auto r = write_headers(out, m, options, clock); !r) return r.error();
    body->write_headers(out.data);
    out.data += "\r\n";
    const auto body_start = out.data.size();
    body->write_content(out.data);
    if (out.data.size() > body_start && !out.data.ends_with("\r\n")) out.data += "\r\n";
    if (out.data.size() > options.max_bytes) return too_large(out.data.size(), options.max_bytes);
    return out;
}

}  // namespace herald::mime
