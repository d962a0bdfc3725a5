// The providers' signatures (sms/signature) and herald's callback URLs
// (sms/callback_url), against Twilio's documented example and against
// signatures Python computes independently (tests/sms/sign_check.py).
#include "sms/callback.hpp"
#include "sms/callback_url.hpp"
#include "sms/signature.hpp"
#include "tests/support/python_runner.hpp"

#include <gtest/gtest.h>

namespace herald::sms {
namespace {

std::string python_sig(const std::vector<std::string>& args) {
    auto r = test::run_python("sms/sign_check.py", args);
    EXPECT_EQ(r.exit_code, 0);
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r'))
        r.out.pop_back();
    return r.out;
}

std::vector<std::string> as_args(const form_fields& f) {
    std::vector<std::string> out;
    for (const auto& [k, v] : f)
        out.push_back(k + "=" + v);
    return out;
}

// Twilio's own example (its security documentation and api-snippets):
// auth token 12345, this URL and these fields sign to this header.
const form_fields k_twilio_doc{{"CallSid", "CA1234567890ABCDE"},
                               {"Caller", "+14158675310"},
                               {"Digits", "1234"},
                               {"From", "+14158675310"},
                               {"To", "+18005551212"}};
constexpr std::string_view k_twilio_url = "https://mycompany.com/myapp.php?foo=1&bar=2";

TEST(sms_twilio_signature, matches_the_documented_example) {
    EXPECT_EQ(twilio_signature("12345", k_twilio_url, k_twilio_doc),
              "GvWf1cFY/Q7PnoempGyD5oXAezc=");
    EXPECT_TRUE(twilio_signature_valid("12345", k_twilio_url, k_twilio_doc,
                                       "GvWf1cFY/Q7PnoempGyD5oXAezc="));
}

TEST(sms_twilio_signature, sorts_fields_by_name_whatever_order_they_came_in) {
    form_fields shuffled(k_twilio_doc.rbegin(), k_twilio_doc.rend());
    EXPECT_TRUE(
        twilio_signature_valid("12345", k_twilio_url, shuffled, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
}

TEST(sms_twilio_signature, refuses_any_change) {
    const std::string good = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
    auto other_field = k_twilio_doc;
    other_field[2].second = "9999";
    EXPECT_FALSE(twilio_signature_valid("12345", k_twilio_url, other_field, good));
    EXPECT_FALSE(twilio_signature_valid("12346", k_twilio_url, k_twilio_doc, good));
    EXPECT_FALSE(twilio_signature_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=3",
                                        k_twilio_doc, good));
    EXPECT_FALSE(twilio_signature_valid("12345", k_twilio_url, k_twilio_doc, ""));
    EXPECT_FALSE(twilio_signature_valid("", k_twilio_url, k_twilio_doc, good))
        << "no token configured never verifies";
}

TEST(sms_twilio_signature, agrees_with_python_on_a_status_callback) {
    const form_fields f{{"MessageSid", "SM0123"},
                        {"MessageStatus", "delivered"},
                        {"ErrorCode", ""},
                        {"To", "+14155550100"},
                        {"Body", "a b&c=d é"}};
    const std::string url = "https://herald.example/v1/sms/status/tw?id=1795679092742-0-s3";
    auto args = as_args(f);
    args.insert(args.begin(), {"twilio", "tok-en", url});
    EXPECT_EQ(twilio_signature("tok-en", url, f), python_sig(args));
}

const form_fields k_vonage_dlr{{"msisdn", "447700900001"},
                               {"to", "AcmeInc"},
                               {"network-code", "23410"},
                               {"messageId", "0A0000001234"},
                               {"price", "0.03330000"},
                               {"status", "delivered"},
                               {"scts", "2001011400"},
                               {"err-code", "0"},
                               {"client-ref", "1795679092742-0-s3"},
                               {"message-timestamp", "2020-01-01 12:00:00"},
                               {"timestamp", "1578787200"},
                               {"nonce", "a&b=c"}};

form_fields with_sig(form_fields f, std::string sig) {
    f.emplace_back("sig", std::move(sig));
    return f;
}

TEST(sms_vonage_signature, md5hash_and_every_hmac_agree_with_python) {
    for (std::string method : {"md5hash", "md5", "sha1", "sha256", "sha512"}) {
        auto args = as_args(k_vonage_dlr);
        args.insert(args.begin(), {"vonage", method, "sig-secret"});
        const auto sig = python_sig(args);
        EXPECT_TRUE(vonage_signature_valid("sig-secret", with_sig(k_vonage_dlr, sig))) << method;
        std::string upper = sig;
        for (auto& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_TRUE(vonage_signature_valid("sig-secret", with_sig(k_vonage_dlr, upper)))
            << method << " in upper case";
        EXPECT_FALSE(vonage_signature_valid("other-secret", with_sig(k_vonage_dlr, sig))) << method;
        auto changed = k_vonage_dlr;
        changed[5].second = "failed";
        EXPECT_FALSE(vonage_signature_valid("sig-secret", with_sig(changed, sig))) << method;
    }
}

TEST(sms_vonage_signature, refuses_a_missing_or_odd_sig) {
    EXPECT_FALSE(vonage_signature_valid("sig-secret", k_vonage_dlr));
    EXPECT_FALSE(vonage_signature_valid("sig-secret", with_sig(k_vonage_dlr, "")));
    EXPECT_FALSE(vonage_signature_valid("sig-secret", with_sig(k_vonage_dlr, "abc123")));
    auto args = as_args(k_vonage_dlr);
    args.insert(args.begin(), {"vonage", "md5hash", ""});
    EXPECT_FALSE(vonage_signature_valid("", with_sig(k_vonage_dlr, python_sig(args))))
        << "no signature_secret configured never verifies";
}

TEST(sms_vonage_signature, signed_text_replaces_separators_in_values) {
    const form_fields f{{"b", "x=y"}, {"a", "1&2"}, {"sig", "zz"}};
    EXPECT_EQ(vonage_signed_text(f), "&a=1_2&b=x_y");
}

sms_provider_config provider(std::string name, std::string kind) {
    sms_provider_config p;
    p.name = std::move(name);
    p.kind = std::move(kind);
    p.signature_secret = "shared-secret";
    return p;
}

TEST(sms_callback_url, http_and_kannel_carry_herald_sig) {
    sms_config sms;
    sms.status_url = "https://herald.example/";
    const auto url = status_callback_url(sms, provider("gw", "http"), "1795679092742-0-s3");
    const auto sig = python_sig({"callback", "shared-secret", "id:1795679092742-0-s3"});
    EXPECT_EQ(url, "https://herald.example/v1/sms/status/gw?id=1795679092742-0-s3&sig=" + sig);
    EXPECT_TRUE(callback_sig_valid("shared-secret", "id:1795679092742-0-s3", sig));
    EXPECT_FALSE(callback_sig_valid("shared-secret", "id:1795679092742-0-s4", sig));
    EXPECT_FALSE(callback_sig_valid("", "id:1795679092742-0-s3", sig));

    const auto in = inbound_callback_url(sms, provider("kan", "kannel"), "acme");
    EXPECT_EQ(in, "https://herald.example/v1/sms/inbound/kan?tenant=acme&sig=" +
                      python_sig({"callback", "shared-secret", "tenant:acme"}));
}

TEST(sms_callback_url, twilio_signs_itself_and_vonage_names_no_id) {
    sms_config sms;
    sms.status_url = "https://herald.example";
    EXPECT_EQ(status_callback_url(sms, provider("tw", "twilio"), "1795679092742-0-s3"),
              "https://herald.example/v1/sms/status/tw?id=1795679092742-0-s3");
    EXPECT_EQ(status_callback_url(sms, provider("vg", "vonage"), "1795679092742-0-s3"),
              "https://herald.example/v1/sms/status/vg");
    EXPECT_EQ(inbound_callback_url(sms, provider("tw", "twilio"), "acme"),
              "https://herald.example/v1/sms/inbound/tw?tenant=acme");
}

TEST(sms_callback_url, empty_without_a_status_url) {
    sms_config sms;
    EXPECT_EQ(status_callback_url(sms, provider("tw", "twilio"), "1-0-s0"), "");
    EXPECT_EQ(inbound_callback_url(sms, provider("tw", "twilio"), "acme"), "");
}

TEST(sms_form, decodes_plus_and_percent_and_refuses_broken_escapes) {
    auto f = parse_form("To=%2B14155550100&Body=Hello+there%21&Empty=&Bare");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->size(), 4u);
    EXPECT_EQ((*f)[0], (std::pair<std::string, std::string>{"To", "+14155550100"}));
    EXPECT_EQ((*f)[1].second, "Hello there!");
    EXPECT_EQ((*f)[2].second, "");
    EXPECT_EQ((*f)[3].first, "Bare");
    EXPECT_FALSE(parse_form("Body=50%"));
    EXPECT_FALSE(parse_form("Body=%zz"));
}

}  // namespace
}  // namespace herald::sms
