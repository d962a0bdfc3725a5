// The message model for both channels, and its JSON form: the form
// producers send (`herald enqueue --file`, later the HTTP API) and the form
// carried in the stream's `payload` field. Parsing never trusts the input:
// every field is type-checked and bounded, and the first problem is
// reported as `invalid_message` with the field's path (error::field). This
// is the shape; whether an email can be written as RFC 5322 is
// mime::validate's, and both run at every door and in the worker.
#pragma once

#include "core/channel.hpp"
#include "core/error.hpp"

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace herald {

struct attachment {
    std::string filename;
    std::string content_type;  // e.g. "application/pdf"
    std::string content_b64;   // base64, kept encoded: MIME needs it so
    std::string content_id;    // set for inline parts referenced by cid:
};

struct email_message {
    std::string from;
    std::vector<std::string> to, cc, bcc;
    std::string reply_to;
    std::string subject;
    std::string text, html;
    std::vector<std::pair<std::string, std::string>> headers;  // extra, in order
    std::vector<attachment> attachments;
};

struct sms_message {
    std::string from;  // sender id or number; empty: the provider's own
    std::string to;    // E.164 once a door has normalised it (sms/validate.hpp)
    std::string body;
};

struct message {
    std::variant<email_message, sms_message> content;
    std::vector<std::string> tags;
    std::map<std::string, std::string> metadata;

    channel kind() const noexcept {
        return std::holds_alternative<email_message>(content) ? channel::email : channel::sms;
    }
};

// Bounds on what one message may hold; oversize input is refused, never
// truncated.
struct message_limits {
    std::size_t max_recipients = 100;
    std::size_t max_field_bytes = 998;     // one header line (RFC 5322)
    std::size_t max_headers = 100;         // extra header fields
    std::size_t max_header_bytes = 16384;  // their names and values in all
    std::size_t max_attachments = 64;
    std::size_t max_tags = 16;
    std::size_t max_metadata = 32;
    std::size_t max_sms_bytes = 1600;          // 10 concatenated segments of 160
    std::size_t max_message_bytes = 10 << 20;  // the whole JSON form
};

// Tenant ids: 1-64 characters of [A-Za-z0-9_.-] (they appear in keys,
// file names and metrics labels).
result<void> validate_tenant(std::string_view tenant);

result<message> parse_message(channel ch, std::string_view json, const message_limits& = {});
result<message> parse_message(channel ch, const boost::json::value& v, const message_limits& = {});
std::string serialize(const message& m);

}  // namespace herald
