// parse_message: the shape and the caps every door and the worker apply,
// each refusal naming the field at fault.
#include "core/message.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace herald {
namespace {

namespace json = boost::json;

error refusal(channel ch, const json::object& o) {
    auto m = parse_message(ch, json::serialize(o));
    EXPECT_FALSE(m) << json::serialize(o);
    return m ? error{} : m.error();
}

// The shape only: which numbers exist, and their E.164 form, is the
// doors' question (sms/validate.hpp, tests/sms/doors_test).
TEST(parse_message, an_sms_goes_to_something_shaped_like_a_phone_number) {
    for (const char* ok :
         {"+14155550100", "+447700900123", "(415) 555-0100", "5551234", "+1 415.555.0100 "})
        EXPECT_TRUE(parse_message(channel::sms, json::serialize(json::object{
                                                    {"from", "Shop"}, {"to", ok}, {"body", "hi"}})))
            << ok;
    const std::string too_long(33, '1');
    for (const char* bad : {"+1555abc", "", "+", "()-", "415 555 0100 x5", "14155550100\t",
                            "tel:+14155550100", too_long.c_str()}) {
        auto e = refusal(channel::sms, {{"from", "Shop"}, {"to", bad}, {"body", "hi"}});
        EXPECT_EQ(e.name(), "invalid_message") << bad;
        EXPECT_EQ(e.field, "to") << bad;
    }
}

TEST(parse_message, email_json_on_the_sms_channel_is_refused) {
    auto e = refusal(
        channel::sms,
        {{"from", "shop@example.com"}, {"to", json::array{"a@example.org"}}, {"subject", "x"}});
    EXPECT_EQ(e.field, "to");
}

TEST(parse_message, headers_are_capped_in_count_and_in_bytes) {
    const message_limits lim;
    json::object h;
    for (std::size_t i = 0; i <= lim.max_headers; ++i)
        h["X-H" + std::to_string(i)] = "v";
    json::object m{{"from", "a@example.com"}, {"to", "b@example.org"}, {"headers", h}};
    auto e = refusal(channel::email, m);
    EXPECT_EQ(e.field, "headers");
    EXPECT_NE(e.detail.find("at most 100"), std::string::npos) << e.detail;

    json::object big;
    for (int i = 0; i < 20; ++i)
        big["X-Big" + std::to_string(i)] = std::string(900, 'x');
    m["headers"] = big;
    e = refusal(channel::email, m);
    EXPECT_EQ(e.field.rfind("headers.X-Big", 0), 0u) << e.field;
    EXPECT_NE(e.detail.find("16384 bytes"), std::string::npos) << e.detail;

    m["headers"] = json::object{{"X-Num", 3}};
    EXPECT_EQ(refusal(channel::email, m).field, "headers.X-Num");
}

TEST(parse_message, attachments_and_recipients_are_capped) {
    json::array many;
    for (int i = 0; i < 65; ++i)
        many.push_back(json::object{{"filename", "a.txt"}, {"content", "QUJD"}});
    auto e = refusal(channel::email,
                     {{"from", "a@example.com"}, {"to", "b@example.org"}, {"attachments", many}});
    EXPECT_EQ(e.field, "attachments");
    json::array rcpts;
    for (int i = 0; i < 101; ++i)
        rcpts.push_back(json::string("u" + std::to_string(i) + "@example.org"));
    e = refusal(channel::email, {{"from", "a@example.com"}, {"to", rcpts}});
    EXPECT_EQ(e.field, "to");
}

TEST(parse_message, the_error_text_names_the_field_once) {
    auto e = refusal(channel::email, {{"from", 7}, {"to", "b@example.org"}});
    EXPECT_EQ(e.field, "from");
    EXPECT_EQ(e.to_string(), "invalid_message at from: must be a string");
}

}  // namespace
}  // namespace herald
