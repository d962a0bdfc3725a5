// A message's life as the API shows it: admitted through the API exactly
// as through the CLI, delivered by a real worker, its status walking
// queued -> delivered (or deferred, dead); dead letters requeued and
// purged; suppressions listed page by page.
#include "app/capture_transport.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace herald::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using messages_test = api_fixture;

json::value captured(const fs::path& dir, const std::string& id) {
    std::ifstream in(dir / (id + ".json"));
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

TEST_F(messages_test, an_api_message_is_delivered_exactly_as_a_cli_one_and_its_status_walks) {
    const std::string body =
        R"({"channel":"email","from":"Shop <shop@example.com>","to":["a@example.com"],)"
        R"("cc":"c@example.com","subject":"Your order","text":"t","html":"<p>h</p>",)"
        R"("headers":{"X-Order":"42"},"tags":["order"],"metadata":{"order":"42"}})";
    auto a = as_acme("POST", "/v1/messages", body);
    ASSERT_EQ(a.status, 202) << a.body;
    const std::string api_id(a.json().at("id").as_string());
    // The CLI's way in, as `herald enqueue --file` admits it.
    auto doc = json::parse(body).as_object();
    doc.erase("channel");
    auto admitted = try_admit(enqueued_email("other", json::serialize(doc)));
    ASSERT_TRUE(admitted);
    const std::string cli_id = admitted->id.str();

    auto queued = as_acme("GET", "/v1/messages/" + api_id);
    ASSERT_EQ(queued.status, 200) << queued.body;
    EXPECT_EQ(queued.json().at("state"), "queued");
    EXPECT_EQ(queued.json().at("attempts").as_int64(), 0);
    EXPECT_TRUE(queued.json().as_object().contains("admitted_at"));

    const fs::path dir = server.dir() / "capture";
    app::capture_transport capture(dir);
    ASSERT_TRUE(run_worker(capture, [&] {
        return fs::exists(dir / (api_id + ".json")) && fs::exists(dir / (cli_id + ".json"));
    }));
    auto via_api = captured(dir, api_id);
    auto via_cli = captured(dir, cli_id);
    EXPECT_EQ(via_api.at("message"), via_cli.at("message"))
        << "the same message, whichever door it came through";
    EXPECT_EQ(via_api.at("tenant"), "acme");

    auto delivered = as_acme("GET", "/v1/messages/" + api_id);
    ASSERT_EQ(delivered.status, 200) << delivered.body;
    EXPECT_EQ(delivered.json().at("state"), "delivered");
    EXPECT_TRUE(delivered.json().as_object().contains("finished_at"));
    EXPECT_EQ(call("GET", "/v1/messages/" + api_id, "", other_key).status, 404);
}

TEST_F(messages_test, a_failed_attempt_shows_as_deferred_with_its_history_then_dead) {
    auto a = as_acme("POST", "/v1/messages", api_email());
    const std::string id(a.json().at("id").as_string());
    scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451 4.3.0 try later"); };
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 1 && retry_len() == 1; }));
    auto deferred = as_acme("GET", "/v1/messages/" + id);
    ASSERT_EQ(deferred.status, 200) << deferred.body;
    EXPECT_EQ(deferred.json().at("state"), "deferred");
    EXPECT_EQ(deferred.json().at("attempts").as_int64(), 1);
    EXPECT_TRUE(deferred.json().as_object().contains("next_attempt_at"));
    ASSERT_EQ(deferred.json().at("history").as_array().size(), 1u);
    EXPECT_NE(std::string(deferred.json().at("history").at(0).as_string()).find("451"),
              std::string::npos);

    t.script = [](const delivery&) {
        return outcome::bounced("smtp_5xx", "550 5.1.1 no such user");
    };
    ASSERT_TRUE(run_worker(t, [&] {
        clk.advance(60'000);
        return dead_count() == 1;
    }));
    auto bounced = as_acme("GET", "/v1/messages/" + id);
    EXPECT_EQ(bounced.json().at("state"), "bounced") << bounced.body;
    EXPECT_NE(bounced.body.find("550"), std::string::npos);
}

TEST_F(messages_test, dead_letters_are_listed_requeued_and_purged_per_tenant) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(std::string(
            as_acme("POST", "/v1/messages", api_email(std::to_string(i) + "@example.com"))
                .json()
                .at("id")
                .as_string()));
    auto theirs = call("POST", "/v1/messages", api_email("x@example.com"), other_key);
    scripted_transport t;
    t.script = [](const delivery&) { return outcome::bounced("smtp_5xx", "550 5.7.1 refused"); };
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 4; }));

    auto page = as_admin("GET", "/v1/tenants/acme/dead?limit=2");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.json().at("dead").as_array().size(), 2u);
    EXPECT_EQ(page.json().at("dead").at(0).at("id").as_string(), ids[2]) << "newest first";
    EXPECT_EQ(as_admin("GET", "/v1/tenants/acme/dead?limit=0").field(), "limit");
    const std::string their_id(theirs.json().at("id").as_string());
    EXPECT_EQ(as_admin("POST", "/v1/tenants/acme/dead/" + their_id + "/requeue").status, 404)
        << "other's dead letter is not acme's";

    auto requeued = as_admin("POST", "/v1/tenants/acme/dead/" + ids[0] + "/requeue");
    ASSERT_EQ(requeued.status, 202) << requeued.body;
    t.script = [](const delivery&) { return outcome::delivered("ok", "250 2.0.0 queued as X"); };
    ASSERT_TRUE(run_worker(t, [&] { return t.calls_for(ids[0]) == 2; }));
    auto now = as_acme("GET", "/v1/messages/" + ids[0]);
    EXPECT_EQ(now.json().at("state"), "delivered") << now.body;
    EXPECT_EQ(now.json().at("reply"), "250 2.0.0 queued as X");

    auto purged = as_admin("DELETE", "/v1/tenants/acme/dead");
    ASSERT_EQ(purged.status, 200) << purged.body;
    EXPECT_EQ(purged.json().at("purged").as_int64(), 2);
    EXPECT_EQ(dead_count(), 1) << "other's dead letter stays";
}

TEST_F(messages_test, suppressions_page_and_refuse_bad_input) {
    for (int i = 0; i < 5; ++i) {
        auto r = as_acme("POST", "/v1/suppressions",
                         R"({"recipient":"s)" + std::to_string(i) + R"(@example.com","ttl_s":)" +
                             std::to_string(1000 + i) + "}");
        ASSERT_EQ(r.status, 201) << r.body;
    }
    std::vector<std::string> listed;
    std::string cursor;
    for (int pages = 0; pages < 10; ++pages) {
        auto p = as_acme("GET",
                         "/v1/suppressions?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_EQ(p.status, 200) << p.body;
        const auto doc = p.json();
        for (const auto& s : doc.at("suppressions").as_array())
            listed.emplace_back(s.at("recipient").as_string());
        const auto& next = doc.at("next_cursor");
        if (next.is_null()) break;
        cursor = next.as_string();
    }
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed,
              (std::vector<std::string>{"s0@example.com", "s1@example.com", "s2@example.com",
                                        "s3@example.com", "s4@example.com"}));
    EXPECT_EQ(as_acme("GET", "/v1/suppressions?cursor=!!").field(), "cursor");
    EXPECT_EQ(as_acme("POST", "/v1/suppressions", R"({"recipient":""})").field(), "recipient");
    EXPECT_EQ(as_acme("POST", "/v1/suppressions", R"({"recipient":"a@b.c","ttl_s":-1})").field(),
              "ttl_s");
    EXPECT_EQ(as_acme("POST", "/v1/suppressions", R"({"recipient":"a@b.c","why":1})").code(),
              "unknown_field");
}

}  // namespace
}  // namespace herald::test
