// How an SMS body is encoded and split, by the rules carriers bill by
// (3GPP TS 23.038 and 23.040): GSM-7 when every character is in the GSM
// 03.38 default alphabet or its extension table (each of ^{}\[~]|€ and
// form feed costs two septets: an escape and the character), else UCS-2
// (UTF-16: a character beyond the BMP takes two units). One part holds 160
// septets or 70 units; concatenated parts give 7 septets or 3 units to the
// UDH header, so 153 or 67, and a part never splits an escape sequence or
// a surrogate pair.
//
// The one implementation of the count: admission (its Lua twin in
// ratelimit/lua/units.lua is tested on the same table,
// tests/sms/segment_cases.tsv), the quotas and rate limits charged in
// segments, and the worker.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::sms {

enum class sms_encoding { gsm7, ucs2 };
std::string_view to_string(sms_encoding e) noexcept;

struct segment_count {
    sms_encoding encoding = sms_encoding::gsm7;
    std::size_t units = 0;     // septets (GSM-7) or UTF-16 units (UCS-2)
    std::size_t segments = 1;  // an empty body is one segment
};

// `text` is UTF-8 (checked by parse_message); an invalid sequence counts
// as UCS-2 units of U+FFFD, never fewer segments than a carrier would bill.
segment_count count_segments(std::string_view text);

// The parts as a carrier would send them, in UTF-8.
std::vector<std::string> split_segments(std::string_view text);

}  // namespace herald::sms
