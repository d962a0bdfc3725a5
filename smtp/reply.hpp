// SMTP replies (RFC 5321 §4.2) and the parser that assembles them line by
// line, with their enhanced status codes (RFC 3463, RFC 2034).
//
// The parser is pure (no I/O): smtp/chat reads lines off the wire, cut at
// LF with an optional CR removed, and feeds them here. A reply is complete
// at the first line whose fourth character is not '-'.
//
// Error contract: a line that is not "ddd", "ddd text" or "ddd-text" with
// d a digit and the first in 2..5, a continuation line whose code differs
// from the first, or more lines than the limit make feed() answer
// `malformed` with a reason; the caller treats that as a protocol error.
// An enhanced status is recognised only when its class matches the reply's
// first digit (a "250 5.1.1" carries none).
//
// Limits (reply_limits): each line at most max_line bytes (enforced by the
// reader before it buffers more), at most max_lines lines per reply. A
// peer cannot make herald hold more than max_line * max_lines bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::smtp {

struct reply_limits {
    std::size_t max_line = 2048;  // RFC 5321 allows 512; be lenient, but bounded
    std::size_t max_lines = 100;
};

// "5.1.1": class.subject.detail; all zero when the reply carries none.
struct enhanced_status {
    int cls = 0;
    int subject = 0;
    int detail = 0;

    bool valid() const noexcept { return cls != 0; }
    std::string str() const;  // "" when not valid
    bool operator==(const enhanced_status&) const = default;
};

// Parses "c.s.d" at the start of `text` (followed by a space or the end);
// an invalid status when there is none.
enhanced_status parse_enhanced_status(std::string_view text) noexcept;

struct reply {
    int code = 0;                    // 220, 250, 354, 421, 550, ...
    enhanced_status status;          // from the first line
    std::vector<std::string> lines;  // each line's text after "ddd-" / "ddd "

    int cls() const noexcept { return code / 100; }  // 2, 3, 4 or 5
    bool positive() const noexcept { return cls() == 2; }
    bool intermediate() const noexcept { return cls() == 3; }

    // For diagnostics and logs: "550 5.1.1 text / more text", printable
    // ASCII only (other bytes become '?'), cut to `max` bytes with "...".
    std::string summary(std::size_t max = 300) const;
};

class reply_parser {
public:
    enum class state { more, done, malformed };

    explicit reply_parser(reply_limits limits = {}) : limits_(limits) {}

    // Feeds one line without its line end. After `done`, take() the reply;
    // after `malformed`, error() says why. Either ends this parser's reply.
    state feed(std::string_view line);

    reply take();
    const std::string& error() const noexcept { return error_; }

private:
    state fail(std::string why);

    reply_limits limits_;
    reply reply_;
    std::string error_;
};

}  // namespace herald::smtp
