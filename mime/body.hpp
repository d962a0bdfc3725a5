// The MIME structure of an email's body, built from the model:
//
//   multipart/mixed              when there are attachments without a Content-ID
//   └ multipart/related          when there are inline parts (with a Content-ID)
//     └ multipart/alternative    when there is both text and html
//       ├ text/plain             7bit, or quoted-printable for 8-bit or long lines
//       └ text/html
//
// each level present only when needed; no bodies at all make one empty
// text/plain part. Attachments are re-wrapped base64, with RFC 2231
// filenames when not ASCII.
//
// Error contract: build() checks everything (base64, content types,
// filenames, Content-IDs) and returns invalid_attachment, or
// header_injection for CR or LF in an attachment field; writing never
// fails. The tree holds views into the message: the message must outlive
// it. Limits: filenames ≤ 255 octets, Content-IDs ≤ 250; multipart or
// message types are refused as attachments (they cannot be base64).
#pragma once

#include "core/error.hpp"
#include "core/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::mime {

class mime_body {
public:
    // `boundary_seed` ([A-Za-z0-9._-], ≤ 64) makes the boundaries; they are
    // checked against the 7bit bodies, the only content that could hold one.
    static result<mime_body> build(const email_message& m, std::string_view boundary_seed);

    // A lower bound of the encoded size, known before anything is written.
    std::size_t min_size() const noexcept { return min_size_; }

    // The top part's Content-Type (and Content-Transfer-Encoding) fields.
    void write_headers(std::string& out) const { out += root_.headers; }
    // Everything after the blank line, without a final CRLF.
    void write_content(std::string& out) const { write(root_, out); }

    enum class kind { text_7bit, text_qp, base64, multipart };
    struct node {
        kind k = kind::text_7bit;
        std::string type;          // e.g. "text/plain": the related part's type= names it
        std::string headers;       // this part's fields, folded, each CRLF-terminated
        std::string_view content;  // leaves
        std::string boundary;      // multiparts
        std::vector<node> children;
    };

private:
    static void write(const node& n, std::string& out);

    node root_;
    std::size_t min_size_ = 0;
};

}  // namespace herald::mime
