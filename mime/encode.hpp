// MIME content and header encodings, each appending to an output string:
// base64 re-wrapping (RFC 2045 §6.8), quoted-printable (RFC 2045 §6.7),
// 7bit text with CRLF line ends, and RFC 2047 encoded-words. Pure
// functions over bytes; no allocation beyond the output.
//
// Error contract: the validating functions return false (and may have
// appended part of their output: callers discard the whole message on
// error) instead of encoding something a reader would decode differently.
// Limits: encoded lines are at most 76 characters (base64, quoted-printable)
// and encoded-words at most 75 (RFC 2047 §2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::mime {

// Plain base64 of `bytes` on one line (AUTH responses, DKIM b= and bh=).
std::string base64(std::string_view bytes);

bool is_ascii(std::string_view s) noexcept;
// `s` with A-Z lower-cased, every other byte as it is (header names,
// schemes, ASCII domain names).
std::string ascii_lower(std::string_view s);
bool is_valid_utf8(std::string_view s) noexcept;

// Counts the base64 characters of `b64` (whitespace ignored) and checks it
// is well-formed: alphabet A-Z a-z 0-9 + /, a multiple of 4, '=' padding
// only at the end. Returns false when it is not base64.
bool check_base64(std::string_view b64, std::size_t& chars) noexcept;

// Appends `b64` without its whitespace, in lines of 76 characters joined
// by CRLF, with no CRLF after the last line. `b64` must pass check_base64.
void append_base64_lines(std::string& out, std::string_view b64);

// Text bodies: line breaks may be LF, CRLF or a lone CR; they come out as
// CRLF. No CRLF is added after the last line beyond what the text has.
enum class text_encoding { seven_bit, quoted_printable };

// 7bit when every byte is US-ASCII other than NUL, every line is at most
// `max_line` characters and none ends in whitespace (which relays may
// strip); quoted-printable otherwise.
text_encoding choose_text_encoding(std::string_view text, std::size_t max_line = 78) noexcept;
void append_crlf_text(std::string& out, std::string_view text);
void append_quoted_printable(std::string& out, std::string_view text);

// Splits UTF-8 `text` into RFC 2047 encoded-words ("=?UTF-8?B?...?=" or
// "=?UTF-8?Q?...?=", whichever is shorter for this text), each at most
// `first_max` characters for the first word and 75 for the others, never
// splitting a character. Q words use only the characters allowed in a
// phrase (RFC 2047 §5(3)), so they are valid in display names too.
// `text` must be valid UTF-8; `first_max` is clamped to [16, 75].
std::vector<std::string> encode_words(std::string_view text, std::size_t first_max = 75);

}  // namespace herald::mime
