// sms::count_segments and split_segments on tests/sms/segment_cases.tsv
// (the same rows run through admission's Lua in segments_lua_test), and
// the split's own promises: parts within their size, escapes and
// surrogate pairs whole, the count the number of parts.
#include "sms/segments.hpp"
#include "tests/sms/segment_cases.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

using sms::count_segments;
using sms::split_segments;

// UTF-16 units of valid UTF-8.
std::size_t utf16_units(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if ((b & 0xC0) != 0x80) n += b >= 0xF0 ? 2 : 1;
    }
    return n;
}

TEST(segments_test, the_table_has_the_tricky_rows) {
    const auto rows = test::segment_cases();
    EXPECT_GE(rows.size(), 40u);
    std::size_t gsm = 0, multi = 0;
    for (const auto& c : rows) {
        gsm += c.encoding == "gsm7";
        multi += c.segments > 1;
    }
    EXPECT_GE(gsm, 15u);
    EXPECT_GE(multi, 15u);
}

TEST(segments_test, counts_every_row_of_the_table) {
    for (const auto& c : test::segment_cases()) {
        SCOPED_TRACE(c.escaped + " (" + c.why + ")");
        const auto got = count_segments(c.text);
        EXPECT_EQ(sms::to_string(got.encoding), c.encoding);
        EXPECT_EQ(got.units, c.units);
        EXPECT_EQ(got.segments, c.segments);
    }
}

TEST(segments_test, the_split_makes_as_many_parts_as_the_count_each_within_its_size) {
    for (const auto& c : test::segment_cases()) {
        SCOPED_TRACE(c.escaped + " (" + c.why + ")");
        const auto parts = split_segments(c.text);
        ASSERT_EQ(parts.size(), count_segments(c.text).segments);
        std::string joined;
        for (const auto& p : parts)
            joined += p;
        if (c.valid_utf8) {
            EXPECT_EQ(joined, c.text) << "the parts are the text, cut whole";
        }
        if (parts.size() == 1) continue;
        for (const auto& p : parts) {
            if (c.encoding == "gsm7") {
                const auto pc = count_segments(p);
                EXPECT_EQ(pc.encoding, sms::sms_encoding::gsm7);
                EXPECT_LE(pc.units, 153u);
            } else {
                EXPECT_LE(utf16_units(p), 67u);
            }
        }
    }
}

TEST(segments_test, invalid_bytes_are_sent_as_the_replacement_character) {
    const auto parts = split_segments("a\xff");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0], "a\xEF\xBF\xBD");
}

TEST(segments_test, an_empty_body_is_one_empty_part) {
    const auto parts = split_segments("");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0], "");
}

}  // namespace
}  // namespace herald
