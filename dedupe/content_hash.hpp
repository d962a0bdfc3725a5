// The content hash: what makes two messages "the same message" for the
// dedupe window and the content breaker. XXH3-128 (libxxhash) over a
// canonical form of
//
//   tenant, channel, sender, recipients (to+cc+bcc, addresses only, domain
//   lower-cased, sorted, unique), subject, text and html bodies (line
//   endings normalised), and per attachment its name, type and the digest
//   of its content (base64 whitespace ignored), sorted
//
// and never Date, Message-ID, custom headers, tags or metadata, which vary
// per send. Tenant-chosen metadata fields are mixed in by the admission
// function (dedupe/lua/dedupe.lua), so this side needs no tenant settings.
//
// Why XXH3-128: it hashes at memory speed, so hashing never limits
// admission; 128 bits make an accidental collision negligible (about 2^-64
// after 2^32 messages in one window). It is not a cryptographic hash: a
// tenant could craft a collision, but only to drop its own message.
#pragma once

#include "core/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace herald::dedupe {

// 32 lower-case hex characters.
std::string content_hash(std::string_view tenant, const message& m);

// "Ann <Ann@Example.COM>" -> "Ann@example.com"; used for recipients and
// senders alike.
std::string normalize_address(std::string_view addr);

// Every recipient (to, cc and bcc; the SMS number) normalised, sorted and
// unique: what the content hash covers and the recipient breaker counts
// (queue::admission::recipients).
std::vector<std::string> recipients(const message& m);

}  // namespace herald::dedupe
