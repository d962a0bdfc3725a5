// The HTTP door as a client meets it: a real server on a loopback port, a
// real redis-server, raw HTTP/1.1 bytes. Every refusal is checked for its
// status and code, and nothing a refused request carried reaches Redis.
#include "api/keys.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/run.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace herald::test {
namespace {

namespace json = boost::json;
using server_test = api_fixture;

std::string with(const std::string& email, const std::string& field, const json::value& v) {
    auto o = json::parse(email).as_object();
    o[field] = v;
    return json::serialize(o);
}

TEST_F(server_test, a_message_is_accepted_and_delivered_like_one_from_the_cli) {
    auto a = as_acme("POST", "/v1/messages", api_email());
    ASSERT_EQ(a.status, 202) << a.body;
    const std::string id(a.json().at("id").as_string());
    EXPECT_EQ(total_len(channel::email), 1);
    scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return t.calls.size() == 1; }));
    EXPECT_EQ(t.calls.front(), id);
}

TEST_F(server_test, a_repeat_inside_the_dedupe_window_is_answered_with_the_first_id) {
    auto first = as_acme("POST", "/v1/messages", api_email());
    auto again = as_acme("POST", "/v1/messages", api_email());
    ASSERT_EQ(first.status, 202);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("duplicate_of"), first.json().at("id"));
    EXPECT_EQ(total_len(channel::email), 1);
}

TEST_F(server_test, an_idempotency_key_replays_the_first_answer_and_refuses_another_body) {
    const std::map<std::string, std::string> key{{"Idempotency-Key", "order-42"}};
    auto first = call("POST", "/v1/messages", api_email("a@example.com"), acme_key, key);
    auto replay = call("POST", "/v1/messages", api_email("a@example.com"), acme_key, key);
    auto other = call("POST", "/v1/messages", api_email("b@example.com"), acme_key, key);
    ASSERT_EQ(first.status, 202) << first.body;
    EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
    EXPECT_EQ(replay.status, 202) << replay.body;
    EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
    EXPECT_EQ(replay.json().at("id"), first.json().at("id"));
    EXPECT_EQ(other.status, 422) << other.body;
    EXPECT_EQ(other.code(), "idempotency_key_reused");
    EXPECT_EQ(total_len(channel::email), 1);
}

TEST_F(server_test, an_sms_is_accepted_on_its_own_channel) {
    auto a = as_acme("POST", "/v1/messages",
                     R"({"channel":"sms","from":"Acme","to":"+14155550100","body":"code 1234"})");
    ASSERT_EQ(a.status, 202) << a.body;
    EXPECT_EQ(total_len(channel::sms), 1);
    auto bad = as_acme("POST", "/v1/messages",
                       R"({"channel":"sms","from":"Acme","to":"0415","body":"x"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.field(), "to");
}

TEST_F(server_test, keys_are_required_checked_and_revocable) {
    EXPECT_EQ(call("POST", "/v1/messages", api_email()).code(), "unauthorized");
    EXPECT_EQ(call("POST", "/v1/messages", api_email(), "hk_wrong").status, 401);
    auto basic = call("POST", "/v1/messages", api_email(), "", {{"Authorization", "Basic eA=="}});
    EXPECT_EQ(basic.status, 401);
    auto listed = run(ioc, api::keys::list(client, q.shards, "acme"));
    ASSERT_TRUE(listed && listed->size() == 1);
    auto gone = run(ioc, api::keys::revoke(client, q.shards, "acme", listed->front().id));
    ASSERT_TRUE(gone && *gone);
    auto after = as_acme("POST", "/v1/messages", api_email());
    EXPECT_EQ(after.status, 401) << after.body;
    EXPECT_EQ(total_len(channel::email), 0);
}

TEST_F(server_test, a_cached_key_stops_working_within_the_cache_time_after_a_revoke) {
    cfg.api.key_cache_ms = 2000;
    cfg.api.threads = 1;
    start_server();
    ASSERT_EQ(as_acme("POST", "/v1/messages", api_email("1@example.com")).status, 202);
    auto listed = run(ioc, api::keys::list(client, q.shards, "acme"));
    ASSERT_TRUE(run(ioc, api::keys::revoke(client, q.shards, "acme", listed->front().id)));
    const auto revoked = std::chrono::steady_clock::now();
    // Remembered for a moment (the bound the README states) ...
    EXPECT_EQ(as_acme("POST", "/v1/messages", api_email("2@example.com")).status, 202);
    // ... then refused, within the cache time.
    int status = 202;
    for (int i = 0; i < 40 && status != 401; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        status =
            as_acme("POST", "/v1/messages", api_email(std::to_string(i) + "@example.com")).status;
    }
    EXPECT_EQ(status, 401);
    EXPECT_LT(std::chrono::steady_clock::now() - revoked, std::chrono::milliseconds(4000));
}

TEST_F(server_test, tenant_keys_and_admin_keys_open_only_their_own_routes) {
    EXPECT_EQ(as_acme("GET", "/v1/tenants").code(), "forbidden");
    EXPECT_EQ(as_admin("POST", "/v1/messages", api_email()).code(), "forbidden");
    EXPECT_EQ(as_acme("GET", "/v1/tenants").status, 403);
    EXPECT_EQ(as_admin("GET", "/v1/tenants").status, 200);
}

TEST_F(server_test, malformed_bodies_are_refused_with_the_field_at_fault) {
    auto not_json = as_acme("POST", "/v1/messages", "{\"channel\": ");
    EXPECT_EQ(not_json.status, 400);
    EXPECT_EQ(not_json.code(), "invalid_json");
    ASSERT_EQ(as_acme("POST", "/v1/messages", api_email()).status, 202);  // the control
    std::string raw = api_email("u@example.com");
    raw.replace(raw.find("hello from"), 5,
                "h\xff\xfe"
                "lo");
    EXPECT_EQ(as_acme("POST", "/v1/messages", raw).code(), "invalid_json");
    auto dup = as_acme("POST", "/v1/messages",
                       R"({"channel":"email","from":"a@example.com","to":"b@example.com",)"
                       R"("headers":{"X-A":"1","X-A":"2"},"text":"t"})");
    EXPECT_EQ(dup.code(), "invalid_json");
    EXPECT_EQ(dup.field(), "headers.X-A");
    auto unknown = as_acme("POST", "/v1/messages", with(api_email(), "priority", "high"));
    EXPECT_EQ(unknown.code(), "unknown_field");
    EXPECT_EQ(unknown.field(), "priority");
    auto wrong_type = as_acme("POST", "/v1/messages", with(api_email(), "to", 5));
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_EQ(wrong_type.field(), "to");
    auto crlf = as_acme("POST", "/v1/messages",
                        with(api_email(), "headers", {{"X-Tag", "a\r\nBcc: evil@example.net"}}));
    EXPECT_EQ(crlf.status, 400) << crlf.body;
    EXPECT_EQ(crlf.code(), "header_injection");
    auto channel = as_acme("POST", "/v1/messages", with(api_email(), "channel", "fax"));
    EXPECT_EQ(channel.field(), "channel");
    EXPECT_EQ(as_acme("POST", "/v1/messages", "[1,2]").code(), "invalid_json");
    EXPECT_EQ(total_len(channel::email), 1) << "only the control was admitted";
}

TEST_F(server_test, a_body_one_byte_over_the_limit_is_refused_before_it_is_read) {
    const auto limit = cfg.api.max_body_bytes;
    std::string at_limit = with(api_email(), "text", "");
    at_limit = with(api_email(), "text", json::string(limit - at_limit.size(), 'x'));
    ASSERT_EQ(at_limit.size(), limit);
    EXPECT_EQ(as_acme("POST", "/v1/messages", at_limit).status, 202);
    auto over = as_acme("POST", "/v1/messages", at_limit + " ");
    EXPECT_EQ(over.status, 413);
    EXPECT_EQ(over.code(), "payload_too_large");
    EXPECT_EQ(over.headers["connection"], "close");
}

TEST_F(server_test, a_chunked_body_over_the_limit_is_cut_off) {
    raw_connection c(srv->port());
    const std::string chunk(cfg.api.max_body_bytes / 2 + 1, 'x');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + acme_key +
           "\r\nTransfer-Encoding: chunked\r\n\r\n" + size + chunk + "\r\n" + size + chunk +
           "\r\n0\r\n\r\n");
    EXPECT_EQ(c.read().status, 413);
}

TEST_F(server_test, oversized_headers_get_431) {
    auto a =
        call("GET", "/healthz", "", "", {{"X-Big", std::string(cfg.api.max_header_bytes, 'h')}});
    EXPECT_EQ(a.status, 431);
    EXPECT_EQ(a.code(), "headers_too_large");
}

TEST_F(server_test, unknown_routes_and_methods) {
    EXPECT_EQ(as_acme("GET", "/v2/nothing").code(), "not_found");
    auto m = as_acme("PUT", "/v1/messages", api_email());
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(m.code(), "method_not_allowed");
    EXPECT_EQ(m.headers["allow"], "POST");
}

TEST_F(server_test, a_batch_answers_every_item_in_order_and_one_bad_item_fails_alone) {
    json::array items{json::parse(api_email("1@example.com")),
                      json::parse(with(api_email("2@example.com"), "priority", 1)),
                      json::parse(api_email("1@example.com")),
                      json::parse(with(api_email("3@example.com"), "idempotency_key", "k1")),
                      "not an object"};
    auto a =
        as_acme("POST", "/v1/messages/batch", json::serialize(json::object{{"messages", items}}));
    ASSERT_EQ(a.status, 200) << a.body;
    const auto doc = a.json();
    const auto& r = doc.at("results").as_array();
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[0].at("status").as_int64(), 202);
    EXPECT_EQ(r[1].at("status").as_int64(), 400);
    EXPECT_EQ(r[1].at("error").at("field").as_string(), "messages[1].priority");
    EXPECT_EQ(r[2].at("status").as_int64(), 200);
    EXPECT_EQ(r[2].at("duplicate_of"), r[0].at("id"));
    EXPECT_EQ(r[3].at("status").as_int64(), 202);
    EXPECT_EQ(r[4].at("error").at("field").as_string(), "messages[4]");
    EXPECT_EQ(total_len(channel::email), 2);
    // The same key again replays item 3's answer.
    auto again = as_acme("POST", "/v1/messages/batch",
                         json::serialize(json::object{{"messages", {items[3]}}}));
    EXPECT_EQ(again.json().at("results").at(0).at("id"), r[3].at("id"));
    EXPECT_TRUE(again.json().at("results").at(0).at("idempotent_replay").as_bool());
}

TEST_F(server_test, a_batch_one_item_over_the_limit_is_refused_whole) {
    json::array items;
    for (std::uint32_t i = 0; i <= cfg.api.max_batch; ++i)
        items.push_back(json::parse(api_email(std::to_string(i) + "@example.com")));
    auto a =
        as_acme("POST", "/v1/messages/batch", json::serialize(json::object{{"messages", items}}));
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(a.field(), "messages");
    EXPECT_EQ(total_len(channel::email), 0);
    EXPECT_EQ(as_acme("POST", "/v1/messages/batch", R"({"messages":[]})").field(), "messages");
    EXPECT_EQ(as_acme("POST", "/v1/messages/batch", R"({"messages":[],"x":1})").code(),
              "unknown_field");
}

TEST_F(server_test, pipelined_requests_are_answered_in_order_on_one_connection) {
    raw_connection c(srv->port());
    c.send(request_text("GET", "/healthz", "", "") +
           request_text("POST", "/v1/messages", api_email(), acme_key) +
           request_text("GET", "/v2/none", "", ""));
    EXPECT_EQ(c.read().status, 200);
    EXPECT_EQ(c.read().status, 202);
    EXPECT_EQ(c.read().status, 404);
}

TEST_F(server_test, expect_100_continue_is_answered_before_the_body) {
    raw_connection c(srv->port());
    const auto body = api_email();
    c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + acme_key +
           "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n");
    EXPECT_EQ(c.read().status, 100);
    c.send(body);
    EXPECT_EQ(c.read().status, 202);
}

TEST_F(server_test, slow_and_idle_clients_are_dropped_within_their_timeouts) {
    cfg.api.header_timeout_ms = 300;
    cfg.api.idle_timeout_ms = 600;
    start_server();
    raw_connection slow(srv->port());
    slow.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\n");  // and never the rest
    raw_connection idle(srv->port());
    EXPECT_TRUE(slow.closed_within(2000));
    EXPECT_TRUE(idle.closed_within(2000));
    // A client that keeps trickling bytes is still cut at the header's deadline.
    raw_connection trickle(srv->port());
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        trickle.send("X-Slow: 1\r\n");
        closed = trickle.closed_within(50);
    }
    EXPECT_TRUE(closed);
}

TEST_F(server_test, past_max_connections_a_client_gets_503_and_the_rest_are_served) {
    cfg.api.max_connections = 3;
    cfg.api.threads = 1;
    start_server();
    std::vector<std::unique_ptr<raw_connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<raw_connection>(srv->port()));
        held.back()->send(request_text("GET", "/healthz", "", ""));
        ASSERT_EQ(held.back()->read().status, 200);
    }
    raw_connection extra(srv->port());
    auto refused = extra.read();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.code(), "too_many_connections");
    held[1]->send(request_text("POST", "/v1/messages", api_email(), acme_key));
    EXPECT_EQ(held[1]->read().status, 202);
    held.pop_back();  // one leaves: a new client is served again
    bool served = false;
    for (int i = 0; i < 20 && !served; ++i) {
        raw_connection again(srv->port());
        again.send(request_text("GET", "/healthz", "", ""));
        served = again.read().status == 200;
        if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(served);
}

TEST_F(server_test, without_redis_a_request_gets_503_in_bounded_time_and_then_recovers) {
    server.stop();
    const auto start = std::chrono::steady_clock::now();
    auto down = as_acme("POST", "/v1/messages", api_email());
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_FALSE(down.code().empty());
    EXPECT_LT(took, std::chrono::milliseconds(3 * cfg.redis.timeout_ms));
    EXPECT_EQ(as_acme("GET", "/readyz").status, 503);
    EXPECT_EQ(call("GET", "/healthz").status, 200) << "the process itself is up";
    server.start();
    int status = 0;
    for (int i = 0; i < 50 && status != 202; ++i) {
        status = as_acme("POST", "/v1/messages", api_email()).status;
        if (status != 202) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 202);
    EXPECT_EQ(total_len(channel::email), 1) << "nothing was half-admitted while Redis was down";
}

TEST_F(server_test, readyz_reports_backpressure) {
    EXPECT_EQ(call("GET", "/readyz").status, 200);
    const auto until = std::to_string(wall_clock().now_ms() + 60000);
    server.cmd({"HSET", queue::meta_key(0), "pressure_until", until, "pressure_reason", "disk"});
    auto r = call("GET", "/readyz");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.code(), "backpressure");
}

TEST_F(server_test, drain_finishes_the_request_in_flight_and_closes_idle_connections) {
    // Redis pauses, so the admission below is in flight when the drain
    // starts; the lanes wait for Redis longer than the pause.
    cfg.redis.timeout_ms = 4000;
    start_server();
    raw_connection idle(srv->port());
    idle.send(request_text("GET", "/healthz", "", ""));
    ASSERT_EQ(idle.read().status, 200);
    server.cmd({"CLIENT", "PAUSE", "2000", "WRITE"});
    raw_connection busy(srv->port());
    busy.send(request_text("POST", "/v1/messages", api_email(), acme_key));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    srv->drain();
    EXPECT_TRUE(idle.closed_within(1000));
    auto answer = busy.read();
    EXPECT_EQ(answer.status, 202) << answer.body;
    EXPECT_EQ(answer.headers["connection"], "close");
    srv->join();
    EXPECT_THROW(raw_connection(srv->port(), 200), std::runtime_error) << "no longer listening";
}

TEST_F(server_test, the_openapi_document_is_served) {
    auto a = call("GET", "/v1/openapi.yaml");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.headers["content-type"], "application/yaml");
    EXPECT_NE(a.body.find("openapi: 3.1"), std::string::npos);
}

}  // namespace
}  // namespace herald::test
