// Every door normalises an SMS's numbers before admission (sms/validate):
// the HTTP API, single and batch, and `herald enqueue`. A national number
// is read in the tenant's region (else the config's) and stored in E.164,
// so dedupe sees one form; a bad number or sender id is refused with 400
// invalid_message naming the field, and nothing is stored.
#include "queue/keys.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/python_runner.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <filesystem>
#include <fstream>

namespace herald {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct doors_test : test::api_fixture {
    static std::string sms(const std::string& to, const std::string& from = "ACME",
                           const std::string& body = "code 1234") {
        return json::serialize(
            json::object{{"channel", "sms"}, {"from", from}, {"to", to}, {"body", body}});
    }
    // The payloads stored in acme's SMS stream, in order.
    std::vector<json::object> stored() {
        const auto key = queue::ingress_key(queue::shard_of("acme", q.shards), channel::sms);
        std::vector<json::object> out;
        for (const auto& e : server.cmd({"XRANGE", key, "-", "+"}).elements)
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                if (e[1][i].str == "payload")
                    out.push_back(json::parse(e[1][i + 1].str).as_object());
        return out;
    }
    static std::string str(const json::object& o, std::string_view k) {
        return std::string(o.at(k).as_string());
    }
};

TEST_F(doors_test, the_api_stores_a_national_number_in_e164_in_the_default_region) {
    auto a = as_acme("POST", "/v1/messages", sms("(415) 555-2671"));
    ASSERT_EQ(a.status, 202) << a.body;
    auto s = stored();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(str(s[0], "to"), "+14155552671");
    EXPECT_EQ(str(s[0], "from"), "ACME");
    // Written another way, the same number is the same message to dedupe.
    auto again = as_acme("POST", "/v1/messages", sms("+1 415-555-2671"));
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("duplicate_of"), a.json().at("id"));
}

TEST_F(doors_test, the_tenants_own_region_wins_over_the_config) {
    set("acme", "sms.default_region", "GB");
    auto a = as_acme("POST", "/v1/messages", sms("07911 123456", "+44 7911 123457"));
    ASSERT_EQ(a.status, 202) << a.body;
    auto s = stored();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(str(s[0], "to"), "+447911123456");
    EXPECT_EQ(str(s[0], "from"), "+447911123457");
}

TEST_F(doors_test, the_api_refuses_bad_numbers_and_sender_ids_naming_the_field) {
    struct bad {
        std::string body, field, why;
    };
    const std::vector<bad> cases{
        {sms("+1 555 555 5555"), "to", "not a valid number"},
        {sms("911"), "to", "short"},
        {sms("+999 1234 5678"), "to", "country code"},
        {sms("+1555abc"), "to", "phone number"},
        {sms("+14155552671", "ACMEINC12345"), "from", "at most 11"},
        {sms("+14155552671", "12345"), "from", "E.164"},
    };
    for (const auto& c : cases) {
        auto a = as_acme("POST", "/v1/messages", c.body);
        EXPECT_EQ(a.status, 400) << c.body << " " << a.body;
        EXPECT_EQ(a.code(), "invalid_message") << a.body;
        EXPECT_EQ(a.field(), c.field) << a.body;
        EXPECT_NE(a.body.find(c.why), std::string::npos) << a.body;
    }
    EXPECT_EQ(total_len(channel::sms), 0);
}

TEST_F(doors_test, a_batch_normalises_each_item_and_refuses_the_bad_one_where_it_stands) {
    const std::string body = R"({"messages":[)" + sms("(415) 555-2671") + "," +
                             sms("(415) 555-267") + "," + sms("+44 7911 123456") + "]}";
    auto a = as_acme("POST", "/v1/messages/batch", body);
    ASSERT_EQ(a.status, 200) << a.body;
    const auto doc = a.json();  // at() on a temporary would dangle
    const auto& results = doc.at("results").as_array();
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].at("status"), 202);
    EXPECT_EQ(results[1].at("status"), 400);
    EXPECT_EQ(results[1].at("error").at("field"), "messages[1].to");
    EXPECT_EQ(results[2].at("status"), 202);
    auto s = stored();
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(str(s[0], "to"), "+14155552671");
    EXPECT_EQ(str(s[1], "to"), "+447911123456");
}

TEST_F(doors_test, a_body_over_max_segments_is_refused_at_the_api_with_the_field) {
    set("acme", "sms.max_segments", "1");
    auto a = as_acme("POST", "/v1/messages", sms("+14155552671", "ACME", std::string(161, 'a')));
    EXPECT_EQ(a.status, 400) << a.body;
    EXPECT_EQ(a.code(), "too_many_segments");
    EXPECT_EQ(a.field(), "body");
    EXPECT_EQ(total_len(channel::sms), 0);
}

// ---- herald enqueue ------------------------------------------------------------------

struct enqueue_answer {
    int status;
    std::string out;
};

struct enqueue_doors_test : doors_test {
    fs::path file = fs::temp_directory_path() / ("herald-doors-" + std::to_string(::getpid()));

    void TearDown() override {
        fs::remove(file);
        doors_test::TearDown();
    }
    enqueue_answer enqueue(const std::string& to, const std::string& from = "ACME") {
        std::ofstream(file) << process_config(1000);
        auto r =
            test::run_command({HERALD_BIN, "enqueue", "--config", file.string(), "--tenant", "acme",
                               "--channel", "sms", "--from", from, "--to", to, "--body", "hi"});
        return {r.exit_code, r.out};
    }
};

TEST_F(enqueue_doors_test, enqueue_stores_a_national_number_in_e164) {
    auto r = enqueue("415 555 2671");
    ASSERT_EQ(r.status, 0) << r.out;
    auto s = stored();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(str(s[0], "to"), "+14155552671");
}

TEST_F(enqueue_doors_test, enqueue_refuses_a_bad_number_naming_the_field) {
    for (const auto& [to, from, field] :
         std::vector<std::array<std::string, 3>>{{"+1 555 555 5555", "ACME", "to"},
                                                 {"5551234", "ACME", "to"},
                                                 {"+14155552671", "ACME INC 1234", "from"}}) {
        auto r = enqueue(to, from);
        EXPECT_EQ(r.status, 1) << r.out;
        auto doc = json::parse(r.out).as_object();
        EXPECT_EQ(doc.at("error").at("code"), "invalid_message") << r.out;
        EXPECT_EQ(doc.at("error").at("field").as_string(), field) << r.out;
    }
    EXPECT_EQ(total_len(channel::sms), 0);
}

}  // namespace
}  // namespace herald
