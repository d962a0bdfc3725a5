// Numbers through libphonenumber and sender ids: tables of what is
// normalised to E.164 and what is refused, with the field named and why.
#include "sms/phone_number.hpp"
#include "sms/validate.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

struct number_case {
    std::string input, region, e164;  // e164 empty: refused
    std::string why;                  // a part of the refusal's detail
};

TEST(phone_number_test, numbers_are_normalised_to_e164_or_refused_with_the_reason) {
    const std::vector<number_case> cases{
        {"+14155552671", "", "+14155552671", ""},
        {"+1 (415) 555-2671", "GB", "+14155552671", ""},
        {"(415) 555-2671", "US", "+14155552671", ""},
        {"415.555.2671", "US", "+14155552671", ""},
        {"1 415 555 2671", "US", "+14155552671", ""},
        {"020 7946 0958", "GB", "+442079460958", ""},
        {"07911 123456", "GB", "+447911123456", ""},
        {"+44 7911 123456", "US", "+447911123456", ""},
        {"030 1234567", "DE", "+49301234567", ""},
        {"06 12 34 56 78", "FR", "+33612345678", ""},
        {"+33 6 12 34 56 78", "", "+33612345678", ""},
        {"(415) 555-2671", "", "", "country code"},
        {"(415) 555-2671", "XX", "", "country code"},
        {"+999 1234 5678", "", "", "country code"},
        {"+1 555 555 5555", "", "", "not a valid number"},
        {"911", "US", "", "short"},
        {"12345", "US", "", "short"},
        {"+1 415 555 2671 99999", "", "", "long"},
        {"+44 20 7946 09", "", "", "local number"},
        {"7946 0958", "GB", "", "local number"},
        {"not a number", "US", "", "not a phone number"},
        {"+1 415 555 2671 ext. 5", "", "", "extension"},
        {"", "US", "", "required"},
        {std::string(33, '1'), "US", "", "32 characters"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.input + " in " + c.region);
        auto r = sms::to_e164(c.input, c.region);
        if (!c.e164.empty()) {
            ASSERT_TRUE(r) << r.error().to_string();
            EXPECT_EQ(*r, c.e164);
            continue;
        }
        ASSERT_FALSE(r) << *r;
        EXPECT_EQ(r.error().name(), "invalid_message");
        EXPECT_EQ(r.error().field, "to");
        EXPECT_NE(r.error().detail.find(c.why), std::string::npos) << r.error().detail;
    }
}

TEST(phone_number_test, the_refusal_names_the_field_it_is_given) {
    auto r = sms::to_e164("12", "US", "messages[2].to");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "messages[2].to");
}

TEST(phone_number_test, known_regions_are_libphonenumbers) {
    EXPECT_TRUE(sms::known_region("US"));
    EXPECT_TRUE(sms::known_region("GB"));
    EXPECT_FALSE(sms::known_region("XX"));
    EXPECT_FALSE(sms::known_region(""));
    EXPECT_FALSE(sms::known_region("USA"));
}

TEST(phone_number_test, sender_ids_are_e164_numbers_or_short_gsm_names) {
    const std::vector<number_case> cases{
        {"ACME", "US", "ACME", ""},
        {"ACMEINC1234", "US", "ACMEINC1234", ""},  // 11: the most
        {"Acme Shop", "US", "Acme Shop", ""},
        {"\xC3\x84rzte", "DE", "\xC3\x84rzte", ""},  // Ärzte: GSM letters
        {"A{B}", "US", "A{B}", ""},                  // 6 septets
        {"+1 415 555 2671", "US", "+14155552671", ""},
        {"+447911123456", "US", "+447911123456", ""},
        {"ACMEINC12345", "US", "", "at most 11"},
        {"ACME{}{}{}", "US", "", "at most 11"},  // 10 characters, 16 septets
        {"12345", "US", "", "E.164"},
        {"4155552671", "US", "", "E.164"},
        {"ACME\xF0\x9F\x98\x80", "US", "", "GSM alphabet"},  // an emoji
        {"\xCE\xB1\xCE\xB2", "GR", "", "GSM alphabet"},      // Greek lower case
        {"ACME`", "US", "", "GSM alphabet"},
        {"+1 555 555 5555", "US", "", "not a valid number"},
        {"12-34", "US", "", "E.164"},
        {"", "US", "", "required"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.input);
        auto r = sms::check_sender_id(c.input, c.region);
        if (!c.e164.empty()) {
            ASSERT_TRUE(r) << r.error().to_string();
            EXPECT_EQ(*r, c.e164);
            continue;
        }
        ASSERT_FALSE(r) << *r;
        EXPECT_EQ(r.error().name(), "invalid_message");
        EXPECT_EQ(r.error().field, "from");
        EXPECT_NE(r.error().detail.find(c.why), std::string::npos) << r.error().detail;
    }
}

TEST(phone_number_test, normalize_rewrites_both_fields_or_neither) {
    sms_message m{"+1 415 555 2671", "(415) 555-2672", "hi"};
    EXPECT_TRUE(sms::needs_region(m));
    ASSERT_TRUE(sms::normalize(m, "US"));
    EXPECT_EQ(m.from, "+14155552671");
    EXPECT_EQ(m.to, "+14155552672");
    EXPECT_FALSE(sms::needs_region(m));

    sms_message bad{"ACMEINC12345", "+14155552671", "hi"};
    auto r = sms::normalize(bad, "US");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "from");
    EXPECT_EQ(bad.from, "ACMEINC12345");
}

}  // namespace
}  // namespace herald
