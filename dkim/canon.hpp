// DKIM relaxed canonicalisation (RFC 6376 §3.4.2 headers, §3.4.4 body) and
// the header selection of §5.4.2, for the cached-key signer. Pure
// functions over a rendered message (CRLF line ends).
//
// Error contract: split_message refuses (dkim_failed) a header section
// with a line that is neither a field nor a continuation. Limits: only
// CRLF ends a line; a message without the blank line is all headers.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace herald::dkim {

struct header_field {
    std::string_view name;  // as written, without trailing whitespace
    std::string_view raw;   // the whole field, folded, without its final CRLF
};

struct split_result {
    std::vector<header_field> headers;  // in message order
    std::string_view body;              // after the blank line
};

result<split_result> split_message(std::string_view message);

// Appends "name:value" with the name lower-cased, the value unfolded,
// whitespace runs made one space and trimmed at both ends; no CRLF.
void append_relaxed_header(std::string& out, std::string_view raw_field);

// Calls sink(std::string_view) with consecutive pieces of the relaxed
// body: whitespace runs made one space, trailing whitespace of each line
// and empty lines at the end dropped, a CRLF after a non-empty last line.
// An empty body stays empty.
template <class Sink>
void relaxed_body(std::string_view body, Sink&& sink);

// The fields to sign for h=, per §5.4.2: for each name of `sign`, every
// instance from the bottom up; then each name of `oversign` once more
// (it matches no field, so no field of that name can be added later).
struct selection {
    std::vector<std::string_view> names;  // the h= list, in order
    std::vector<std::string_view> raws;   // the fields hashed, same order (fewer: oversigning)
};
selection select_headers(const std::vector<header_field>& headers,
                         const std::vector<std::string>& sign,
                         const std::vector<std::string>& oversign);

// ---- implementation of relaxed_body ------------------------------------------

template <class Sink>
void relaxed_body(std::string_view body, Sink&& sink) {
    std::string line;
    std::size_t empty_lines = 0;
    while (!body.empty()) {
        auto eol = body.find("\r\n");
        const auto text = body.substr(0, eol);
        body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 2);
        line.clear();
        bool space = false;
        for (char c : text) {
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space) line += ' ';
            space = false;
            line += c;
        }
        if (line.empty()) {
            ++empty_lines;
            continue;
        }
        for (; empty_lines > 0; --empty_lines)
            sink(std::string_view("\r\n"));
        line += "\r\n";
        sink(std::string_view(line));
    }
}

}  // namespace herald::dkim
