// Reading receipts and inbound messages per provider kind (sms/receipt,
// sms/inbound), good and malformed; the opt-out keywords.
#include "sms/errors.hpp"
#include "sms/inbound.hpp"
#include "sms/receipt.hpp"

#include <gtest/gtest.h>

namespace herald::sms {
namespace {

sms_provider_config of_kind(std::string kind) {
    sms_provider_config p;
    p.name = kind;
    p.kind = std::move(kind);
    return p;
}

callback_request with(form_fields query, form_fields form = {}, std::string json = {}) {
    callback_request c;
    c.method = form.empty() && json.empty() ? "GET" : "POST";
    c.query = std::move(query);
    c.form = std::move(form);
    c.json_body = std::move(json);
    return c;
}

void expect_malformed(const result<receipt>& r, std::string_view field) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(sms_errc::malformed_callback));
    EXPECT_EQ(r.error().field, field);
}

constexpr std::string_view k_id = "1795679092742-0-s3";

TEST(sms_receipt_parse, twilio_form) {
    auto r = parse_receipt(
        of_kind("twilio"),
        with({{"id", std::string(k_id)}},
             {{"MessageSid", "SM1"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}}));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->message_id, k_id);
    EXPECT_EQ(r->provider_id, "SM1");
    EXPECT_EQ(r->state, receipt_state::undelivered);
    EXPECT_EQ(r->code, "30003");
    for (auto [status, st] :
         {std::pair{"queued", receipt_state::sent}, std::pair{"sent", receipt_state::sent},
          std::pair{"delivered", receipt_state::delivered},
          std::pair{"failed", receipt_state::failed}}) {
        auto x = parse_receipt(
            of_kind("twilio"),
            with({{"id", "1-0-s0"}}, {{"MessageSid", "SM1"}, {"MessageStatus", status}}));
        ASSERT_TRUE(x) << status;
        EXPECT_EQ(x->state, st) << status;
    }
}

TEST(sms_receipt_parse, twilio_malformed_names_the_field) {
    expect_malformed(
        parse_receipt(of_kind("twilio"), with({{"id", "1-0-s0"}}, {{"MessageStatus", "sent"}})),
        "MessageSid");
    expect_malformed(
        parse_receipt(of_kind("twilio"), with({{"id", "1-0-s0"}},
                                              {{"MessageSid", "SM1"}, {"MessageStatus", "bogus"}})),
        "MessageStatus");
    expect_malformed(parse_receipt(of_kind("twilio"),
                                   with({}, {{"MessageSid", "SM1"}, {"MessageStatus", "sent"}})),
                     "id");
}

TEST(sms_receipt_parse, vonage_by_client_ref_in_query_or_form) {
    const form_fields f{{"messageId", "0A01"},
                        {"status", "expired"},
                        {"err-code", "5"},
                        {"client-ref", std::string(k_id)}};
    for (const auto& c : {with(f), with({}, f)}) {
        auto r = parse_receipt(of_kind("vonage"), c);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->message_id, k_id);
        EXPECT_EQ(r->provider_id, "0A01");
        EXPECT_EQ(r->state, receipt_state::undelivered);
        EXPECT_EQ(r->code, "5");
    }
    for (auto [status, st] :
         {std::pair{"delivered", receipt_state::delivered},
          std::pair{"rejected", receipt_state::failed}, std::pair{"failed", receipt_state::failed},
          std::pair{"buffered", receipt_state::sent}, std::pair{"accepted", receipt_state::sent},
          std::pair{"unknown", receipt_state::sent}}) {
        auto x = parse_receipt(
            of_kind("vonage"),
            with({{"messageId", "0A01"}, {"status", status}, {"client-ref", "1-0-s0"}}));
        ASSERT_TRUE(x) << status;
        EXPECT_EQ(x->state, st) << status;
    }
    expect_malformed(
        parse_receipt(of_kind("vonage"), with({{"messageId", "0A01"}, {"status", "delivered"}})),
        "client-ref");
    expect_malformed(
        parse_receipt(of_kind("vonage"),
                      with({{"messageId", "0A01"}, {"status", "lost"}, {"client-ref", "1-0-s0"}})),
        "status");
}

TEST(sms_receipt_parse, kannel_dlr_types) {
    for (auto [type, st] :
         {std::pair{"1", receipt_state::delivered}, std::pair{"2", receipt_state::undelivered},
          std::pair{"4", receipt_state::sent}, std::pair{"8", receipt_state::sent},
          std::pair{"16", receipt_state::failed}}) {
        auto r = parse_receipt(of_kind("kannel"), with({{"id", std::string(k_id)},
                                                        {"sig", "x"},
                                                        {"status", type},
                                                        {"provider_id", "smsc-9"}}));
        ASSERT_TRUE(r) << type;
        EXPECT_EQ(r->state, st) << type;
        EXPECT_EQ(r->provider_id, "smsc-9");
    }
    expect_malformed(parse_receipt(of_kind("kannel"), with({{"id", "1-0-s0"}, {"status", "3"}})),
                     "status");
    expect_malformed(parse_receipt(of_kind("kannel"), with({{"id", "1-0-s0"}})), "status");
}

TEST(sms_receipt_parse, http_json) {
    auto r = parse_receipt(
        of_kind("http"),
        with({{"id", std::string(k_id)}}, {},
             R"({"id":"1795679092742-0-s3","provider_id":"p-7","status":"failed","code":"E12"})"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->provider_id, "p-7");
    EXPECT_EQ(r->state, receipt_state::failed);
    EXPECT_EQ(r->code, "E12");
    expect_malformed(parse_receipt(of_kind("http"), with({{"id", "1-0-s0"}}, {}, "not json")),
                     "body");
    expect_malformed(
        parse_receipt(of_kind("http"), with({{"id", "1-0-s0"}}, {}, R"({"status":"gone"})")),
        "status");
    expect_malformed(
        parse_receipt(of_kind("http"), with({{"id", "1-0-s0"}}, {}, R"({"status":7})")), "status");
    expect_malformed(parse_receipt(of_kind("http"), with({{"id", "1-0-s0"}}, {},
                                                         R"({"id":"2-0-s0","status":"sent"})")),
                     "id");
}

void expect_inbound_malformed(const result<inbound_message>& r, std::string_view field) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(sms_errc::malformed_callback));
    EXPECT_EQ(r.error().field, field);
}

TEST(sms_inbound_parse, each_kind) {
    auto t =
        parse_inbound(of_kind("twilio"),
                      with({{"tenant", "acme"}},
                           {{"From", "+447911123459"}, {"To", "+15550001"}, {"Body", " Stop "}}));
    ASSERT_TRUE(t) << t.error().to_string();
    EXPECT_EQ(t->from, "+447911123459");
    EXPECT_EQ(t->text, " Stop ");
    auto v = parse_inbound(of_kind("vonage"),
                           with({{"msisdn", "447911123459"}, {"to", "15550001"}, {"text", "hi"}}));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->from, "+447911123459") << "Vonage's msisdn has no '+'";
    auto k = parse_inbound(of_kind("kannel"),
                           with({{"from", "00447911123459"}, {"to", "1234"}, {"text", "END"}}));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->from, "+447911123459");
    auto h = parse_inbound(of_kind("http"),
                           with({}, {}, R"({"from":"+14155550100","to":"+1555","text":"quit"})"));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->from, "+14155550100");
}

TEST(sms_inbound_parse, malformed_names_the_field) {
    expect_inbound_malformed(
        parse_inbound(of_kind("twilio"), with({}, {{"To", "+1555"}, {"Body", "STOP"}})), "From");
    expect_inbound_malformed(
        parse_inbound(of_kind("twilio"),
                      with({}, {{"From", "not a number"}, {"To", "+1555"}, {"Body", "STOP"}})),
        "From");
    expect_inbound_malformed(
        parse_inbound(of_kind("kannel"),
                      with({{"from", "07700900001"}, {"to", "1"}, {"text", "STOP"}})),
        "from");
    expect_inbound_malformed(
        parse_inbound(of_kind("vonage"), with({{"msisdn", "447911123459"}, {"to", "1"}})), "text");
    expect_inbound_malformed(parse_inbound(of_kind("http"), with({}, {}, "[1,2]")), "body");
    expect_inbound_malformed(
        parse_inbound(of_kind("http"),
                      with({}, {}, R"({"from":"+14155550100","to":"+1555","text":5})")),
        "text");
    expect_inbound_malformed(
        parse_inbound(of_kind("http"), with({}, {}, R"({"from":"+1","to":"+1555","text":"x"})")),
        "from");
}

TEST(sms_opt_keywords, whole_trimmed_body_any_case) {
    for (auto w : {"STOP", "stop", " Stop\n", "STOPALL", "unsubscribe", "Cancel", "END", "quit"})
        EXPECT_EQ(opt_keyword_of(w), opt_keyword::stop) << w;
    for (auto w : {"START", " unstop "})
        EXPECT_EQ(opt_keyword_of(w), opt_keyword::start) << w;
    for (auto w : {"", "stop please", "STOP!", "S T O P", "started", "yes"})
        EXPECT_EQ(opt_keyword_of(w), opt_keyword::none) << w;
}

}  // namespace
}  // namespace herald::sms
