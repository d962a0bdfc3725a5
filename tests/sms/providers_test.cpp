// The adapters without a network: the request each builds for one SMS, and
// the class each gives the answers its provider documents.
#include "sms/answer.hpp"
#include "sms/form.hpp"
#include "sms/provider.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace herald::sms {
namespace {

sms_provider_config provider_of(std::string kind) {
    sms_provider_config p;
    p.name = kind;
    p.kind = kind;
    p.base_url = "https://127.0.0.1:9";
    p.account = "AC123";
    p.secret = "s3cret";
    p.from = "+15005550006";
    return p;
}

http_response answer(long status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    http_response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

form_fields fields_of(const std::string& text) {
    auto f = form_decode(text);
    EXPECT_TRUE(f.has_value()) << text;
    return f.value_or(form_fields{});
}

std::string field(const form_fields& f, std::string_view name) {
    for (const auto& [k, v] : f)
        if (k == name) return v;
    return "<absent>";
}

const sms_send k_send{"1700000000000-0-s3",
                      "+14155552671",
                      "",
                      "Hello & welcome",
                      sms_encoding::gsm7,
                      "https://herald.example/v1/sms/status/twilio?id=1700000000000-0-s3"};

TEST(twilio_adapter, posts_the_documented_form_with_basic_auth) {
    const auto cfg = provider_of("twilio");
    const auto r = make_provider(cfg)->request(k_send);
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "https://127.0.0.1:9/2010-04-01/Accounts/AC123/Messages.json");
    EXPECT_EQ(r.user, "AC123");
    EXPECT_EQ(r.password, "s3cret");
    const auto f = fields_of(r.body);
    EXPECT_EQ(field(f, "To"), "+14155552671");
    EXPECT_EQ(field(f, "From"), "+15005550006")
        << "the provider's sender when the message has none";
    EXPECT_EQ(field(f, "Body"), "Hello & welcome");
    EXPECT_EQ(field(f, "StatusCallback"), k_send.status_url);
    EXPECT_EQ(field(f, "MessagingServiceSid"), "<absent>");
}

TEST(twilio_adapter, sends_through_a_messaging_service_instead_of_a_number) {
    auto cfg = provider_of("twilio");
    cfg.messaging_service_sid = "MG42";
    auto s = k_send;
    s.status_url.clear();
    const auto f = fields_of(make_provider(cfg)->request(s).body);
    EXPECT_EQ(field(f, "MessagingServiceSid"), "MG42");
    EXPECT_EQ(field(f, "From"), "<absent>");
    EXPECT_EQ(field(f, "StatusCallback"), "<absent>") << "no receipts asked for";
}

TEST(twilio_adapter, classifies_its_documented_answers) {
    const auto cfg = provider_of("twilio");
    const auto p = make_provider(cfg);
    const auto ok = p->classify(answer(201, R"({"sid":"SM0123","status":"queued"})"));
    EXPECT_EQ(ok.is, answer_class::accepted);
    EXPECT_EQ(ok.provider_id, "SM0123");

    const auto invalid = p->classify(
        answer(400, R"({"code":21211,"message":"The 'To' number is not a valid phone number."})"));
    EXPECT_EQ(invalid.is, answer_class::permanent);
    EXPECT_EQ(invalid.code, "twilio_21211");
    EXPECT_FALSE(invalid.suppress);
    EXPECT_EQ(p->classify(answer(400, R"({"code":21614,"message":"not a mobile number"})")).is,
              answer_class::permanent);

    const auto stopped = p->classify(answer(400, R"({"code":21610,"message":"unsubscribed"})"));
    EXPECT_EQ(stopped.is, answer_class::permanent);
    EXPECT_TRUE(stopped.suppress);

    const auto throttled = p->classify(
        answer(429, R"({"code":20429,"message":"Too Many Requests"})", {{"retry-after", "7"}}));
    EXPECT_EQ(throttled.is, answer_class::retry);
    EXPECT_EQ(throttled.retry_after, 7000);

    EXPECT_EQ(p->classify(answer(401, R"({"code":20003,"message":"Authenticate"})")).is,
              answer_class::failover);
    EXPECT_EQ(p->classify(answer(503, "Service Unavailable")).is, answer_class::failover);
    EXPECT_EQ(p->classify(answer(404, "not json")).is, answer_class::permanent);
}

TEST(vonage_adapter, posts_without_the_plus_and_asks_for_unicode_when_ucs2) {
    const auto cfg = provider_of("vonage");
    auto s = k_send;
    s.encoding = sms_encoding::ucs2;
    s.from = "Herald";
    const auto r = make_provider(cfg)->request(s);
    EXPECT_EQ(r.url, "https://127.0.0.1:9/sms/json");
    EXPECT_TRUE(r.user.empty()) << "Vonage takes its key and secret as fields";
    const auto f = fields_of(r.body);
    EXPECT_EQ(field(f, "api_key"), "AC123");
    EXPECT_EQ(field(f, "api_secret"), "s3cret");
    EXPECT_EQ(field(f, "to"), "14155552671");
    EXPECT_EQ(field(f, "from"), "Herald");
    EXPECT_EQ(field(f, "text"), "Hello & welcome");
    EXPECT_EQ(field(f, "type"), "unicode");
    EXPECT_EQ(field(f, "client-ref"), "1700000000000-0-s3");
    const auto plain = fields_of(make_provider(cfg)->request(k_send).body);
    EXPECT_EQ(field(plain, "type"), "<absent>") << "GSM-7 is the default";
}

TEST(vonage_adapter, reads_the_status_of_each_part_not_the_http_status) {
    const auto cfg = provider_of("vonage");
    const auto p = make_provider(cfg);
    const auto part = [](std::string status, std::string id = "0A01") {
        return R"({"status":")" + status + R"(","message-id":")" + id +
               R"(","error-text":"words"})";
    };
    const auto body = [](std::string parts) {
        return R"({"message-count":"1","messages":[)" + parts + "]}";
    };
    const auto ok = p->classify(answer(200, body(part("0", "0B77") + "," + part("0", "0B78"))));
    EXPECT_EQ(ok.is, answer_class::accepted);
    EXPECT_EQ(ok.provider_id, "0B77");
    const auto throttled = p->classify(answer(200, body(part("1"))));
    EXPECT_EQ(throttled.is, answer_class::retry);
    EXPECT_EQ(throttled.code, "vonage_1");
    EXPECT_EQ(p->classify(answer(200, body(part("9")))).is, answer_class::failover)
        << "out of credit: another provider may send it";
    EXPECT_EQ(p->classify(answer(200, body(part("4")))).is, answer_class::failover);
    EXPECT_EQ(p->classify(answer(200, body(part("3")))).is, answer_class::permanent);
    EXPECT_EQ(p->classify(answer(200, body(part("0") + "," + part("6")))).is,
              answer_class::ambiguous)
        << "a part went out before another was refused: never resend";
    EXPECT_EQ(p->classify(answer(200, "<html>gateway</html>")).is, answer_class::ambiguous);
    EXPECT_EQ(p->classify(answer(500, "")).is, answer_class::failover);
}

TEST(kannel_adapter, gets_sendsms_with_coding_and_a_receipt_url) {
    const auto cfg = provider_of("kannel");
    auto s = k_send;
    s.encoding = sms_encoding::ucs2;
    const auto r = make_provider(cfg)->request(s);
    EXPECT_EQ(r.method, "GET");
    ASSERT_TRUE(r.url.starts_with("https://127.0.0.1:9/cgi-bin/sendsms?")) << r.url;
    const auto f = fields_of(r.url.substr(r.url.find('?') + 1));
    EXPECT_EQ(field(f, "username"), "AC123");
    EXPECT_EQ(field(f, "password"), "s3cret");
    EXPECT_EQ(field(f, "to"), "+14155552671");
    EXPECT_EQ(field(f, "coding"), "2");
    EXPECT_EQ(field(f, "charset"), "UTF-8");
    EXPECT_EQ(field(f, "dlr-url"), s.status_url + "&status=%d&provider_id=%F&code=%A");
    EXPECT_EQ(field(f, "dlr-mask"), "31");

    const auto p = make_provider(cfg);
    EXPECT_EQ(p->classify(answer(202, "0: Accepted for delivery")).is, answer_class::accepted);
    EXPECT_EQ(p->classify(answer(503, "Temporal failure, try again later.")).is,
              answer_class::failover);
    EXPECT_EQ(p->classify(answer(403, "Authorization failed for sendsms")).is,
              answer_class::failover);
    EXPECT_EQ(p->classify(answer(400, "Invalid 'to' field")).is, answer_class::permanent);
}

TEST(http_adapter, fills_its_templates_escaped_for_where_they_go) {
    auto cfg = provider_of("http");
    cfg.base_url = "http://127.0.0.1:9/send?to={to}";
    cfg.headers = {"Authorization: Bearer t0k", "X-Ref: {id}", "X-Body: {body}"};
    cfg.body = R"({"to":"{to}","text":"{body}","ref":"{id}","cb":"{status_url}"})";
    cfg.id_field = "msg_id";
    auto s = k_send;
    s.body = "line \"one\"\r\nX-Injected: yes";
    const auto r = make_provider(cfg)->request(s);
    EXPECT_EQ(r.url, "http://127.0.0.1:9/send?to=%2B14155552671");
    EXPECT_EQ(r.headers[1], "X-Ref: 1700000000000-0-s3");
    EXPECT_EQ(r.headers[2].find_first_of("\r\n"), std::string::npos)
        << "a value never ends the header line";
    EXPECT_NE(r.body.find(R"("text":"line \"one\"\r\nX-Injected: yes")"), std::string::npos)
        << r.body;

    const auto p = make_provider(cfg);
    const auto ok = p->classify(answer(201, R"({"msg_id":12345})"));
    EXPECT_EQ(ok.is, answer_class::accepted);
    EXPECT_EQ(ok.provider_id, "12345");
    EXPECT_EQ(p->classify(answer(422, "{}")).is, answer_class::permanent);
    EXPECT_EQ(p->classify(answer(429, "", {{"retry-after", "2"}})).retry_after, 2000);
}

TEST(answer_classes, failures_before_and_after_the_request_left) {
    http_response not_sent;
    not_sent.failure = http_failure::not_sent;
    EXPECT_EQ(classify_failure("twilio", not_sent).is, answer_class::failover);
    http_response no_answer;
    no_answer.failure = http_failure::no_answer;
    EXPECT_EQ(classify_failure("twilio", no_answer).is, answer_class::ambiguous)
        << "the provider may have it: never sent twice";
}

TEST(answer_classes, retry_after_in_seconds_or_as_a_date) {
    EXPECT_EQ(retry_after_of(answer(429, "", {{"retry-after", "120"}})), 120000);
    EXPECT_EQ(retry_after_of(answer(429, "", {{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}})),
              0)
        << "a date in the past: now";
    EXPECT_FALSE(retry_after_of(answer(429, "", {{"retry-after", "soon"}})));
    EXPECT_FALSE(retry_after_of(answer(429, "")));
}

TEST(form, encodes_and_decodes_both_ways_and_refuses_broken_escapes) {
    const form_fields f{{"To", "+1 415"}, {"Body", "a&b=c é"}};
    EXPECT_EQ(form_encode(f), "To=%2B1%20415&Body=a%26b%3Dc%20%C3%A9");
    EXPECT_EQ(form_decode(form_encode(f)), f);
    EXPECT_EQ(form_decode("a=b+c")->at(0).second, "b c");
    EXPECT_FALSE(form_decode("a=%4"));
    EXPECT_FALSE(form_decode("a=%zz"));
}

}  // namespace
}  // namespace herald::sms
