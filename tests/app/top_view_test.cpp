// `herald top`'s rendering on fixed JSON of the rates' shape (the answer of
// GET /v1/stats/rates): busiest first, the columns' values, the plain
// lines a script reads, the screen clipped to the terminal, and refusals
// of JSON of another shape.
#include "app/top_view.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

namespace herald {
namespace {

namespace json = boost::json;
using app::top::plain;
using app::top::read_snapshot;
using app::top::screen;

// now_ms 1764430000000 is 2025-11-29T15:26:40.000Z.
const char* k_rates = R"({
  "now_ms": 1764430000000, "window_s": 60, "step_s": 10,
  "t": [1764429940000, 1764429950000, 1764429960000, 1764429970000, 1764429980000, 1764429990000],
  "outcomes": ["accepted","duplicate","refused","delivered","deferred","bounced","unknown","dead"],
  "tenants": [
    { "tenant": "quiet", "rate": 0.5, "sent_rate": 0.5,
      "series": {},
      "totals": {"accepted": 30, "duplicate": 0, "refused": 0, "delivered": 29, "deferred": 1,
                 "bounced": 0, "unknown": 0, "dead": 0},
      "latency_ms": {"count": 29, "p50": 3, "p90": 5, "p99": 9},
      "queue": {"queued": 1},
      "quota": {"email": {"day": {"used": 30, "limit": null}, "month": {"used": 30, "limit": null}}},
      "storage": {"bytes": 2048, "bytes_limit": null, "messages": 1, "messages_limit": null},
      "breaker": "closed", "breakers": [], "paused": false },
    { "tenant": "storm", "rate": 120.5, "sent_rate": 12.25,
      "series": {},
      "totals": {"accepted": 700, "duplicate": 3, "refused": 6500, "delivered": 650, "deferred": 7,
                 "bounced": 2, "unknown": 0, "dead": 1},
      "latency_ms": {"count": 650, "p50": 12, "p90": 40, "p99": 95},
      "queue": {"queued": 43},
      "quota": {"email": {"day": {"used": 703, "limit": 1000}, "month": {"used": 703, "limit": null}},
                "sms": {"day": {"used": 5, "limit": 10}, "month": {"used": 5, "limit": 1000}}},
      "storage": {"bytes": 3145728, "bytes_limit": 4194304, "messages": 43, "messages_limit": 1000},
      "breaker": "open",
      "breakers": [{"key": "hd:{s3}:brk:storm:t", "kind": "tenant", "subject": "", "state": "open"}],
      "paused": false },
    { "tenant": "acme", "rate": 7, "sent_rate": 6.9,
      "series": {},
      "totals": {"accepted": 420, "duplicate": 0, "refused": 0, "delivered": 410, "deferred": 0,
                 "bounced": 0, "unknown": 0, "dead": 0},
      "latency_ms": {"count": 0, "p50": null, "p90": null, "p99": null},
      "queue": {"queued": 10},
      "quota": {},
      "storage": {"bytes": 512, "bytes_limit": null, "messages": 10, "messages_limit": null},
      "breaker": "half_open", "breakers": [], "paused": true } ],
  "queue": {"ready": 40, "in_flight": 4, "deferred": 8, "dead": 1},
  "backpressure": {"on": true, "reason": "Redis memory at 81 %"} })";

json::object rates() {
    return json::parse(k_rates).as_object();
}

TEST(top_view, rows_come_busiest_first_with_the_columns_values) {
    auto s = read_snapshot(rates());
    ASSERT_TRUE(s) << s.error().detail;
    ASSERT_EQ(s->rows.size(), 3u);
    EXPECT_EQ(s->rows[0].tenant, "storm");
    EXPECT_EQ(s->rows[1].tenant, "acme");
    EXPECT_EQ(s->rows[2].tenant, "quiet");
    const auto& storm = s->rows[0];
    EXPECT_DOUBLE_EQ(storm.rate, 120.5);
    EXPECT_DOUBLE_EQ(storm.sent_rate, 12.25);
    EXPECT_EQ(storm.delivered, 650u);
    EXPECT_EQ(storm.deferred, 7u);
    EXPECT_EQ(storm.bounced, 2u);
    EXPECT_EQ(storm.refused, 6500u);
    EXPECT_EQ(storm.queued, 43u);
    ASSERT_TRUE(storm.quota_percent);
    EXPECT_DOUBLE_EQ(*storm.quota_percent, 70.3);  // email day 703/1000 beats sms day 5/10
    ASSERT_TRUE(storm.storage_percent);
    EXPECT_DOUBLE_EQ(*storm.storage_percent, 75.0);  // 3 MiB of 4 MiB beats 43 of 1000
    EXPECT_EQ(storm.breaker, "open");
    EXPECT_FALSE(s->rows[1].quota_percent) << "no limit, no percentage";
    EXPECT_FALSE(s->rows[2].storage_percent);
    EXPECT_TRUE(s->rows[1].paused);
    EXPECT_EQ(s->ready, 40u);
    EXPECT_EQ(s->in_flight, 4u);
    EXPECT_EQ(s->deferred, 8u);
    EXPECT_EQ(s->dead, 1u);
    EXPECT_TRUE(s->backpressure);
}

TEST(top_view, plain_lines_are_a_table_a_script_splits_on_spaces) {
    auto s = read_snapshot(rates());
    ASSERT_TRUE(s);
    EXPECT_EQ(plain(*s),
              "# 2025-11-29T15:26:40.000Z window=60s ready=40 in_flight=4 deferred=8 dead=1 "
              "backpressure=on\n"
              "TENANT   RATE  SENT/S  DELIVERED  DEFERRED  BOUNCED  REFUSED  QUEUED  QUOTA%  "
              "STORAGE  BREAKER\n"
              "storm   120.5    12.2        650         7        2     6500      43    70.3  "
              "3145728  open\n"
              "acme      7.0     6.9        410         0        0        0      10       -      "
              "512  half_open,paused\n"
              "quiet     0.5     0.5         29         1        0        0       1       -     "
              "2048  closed\n"
              "\n");
}

TEST(top_view, the_screen_fits_the_terminal_and_says_what_it_leaves_out) {
    auto s = read_snapshot(rates());
    ASSERT_TRUE(s);
    auto lines = screen(*s, 200, 24);
    ASSERT_EQ(lines.size(), 6u);  // title, alert, header, three tenants
    EXPECT_EQ(lines[0].rfind("herald top  2025-11-29T15:26:40.000Z", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find("40 ready, 4 in flight, 8 deferred, 1 dead"), std::string::npos);
    EXPECT_EQ(lines[1], "! breaker open: storm  ! backpressure on: Redis memory at 81 %");
    EXPECT_EQ(lines[app::top::k_header_line].rfind("TENANT", 0), 0u);
    EXPECT_EQ(lines[3].rfind("storm", 0), 0u);
    EXPECT_NE(lines[3].find("3.0M 75.0%"), std::string::npos) << lines[3];
    EXPECT_NE(lines[5].find("2.0K"), std::string::npos) << lines[5];

    auto small = screen(*s, 30, 5);  // room for the header and one more line
    ASSERT_EQ(small.size(), 5u);
    for (const auto& l : small)
        EXPECT_LE(l.size(), 30u) << l;
    EXPECT_EQ(small[3].rfind("storm", 0), 0u);
    EXPECT_EQ(small[4], "... 2 more tenants");
}

TEST(top_view, no_tenants_is_said_and_no_breaker_no_alert) {
    auto o = rates();
    o["tenants"] = json::array{};
    o["backpressure"] = json::object{{"on", false}, {"reason", ""}};
    auto s = read_snapshot(o);
    ASSERT_TRUE(s);
    auto lines = screen(*s, 120, 10);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[1], "");
    EXPECT_EQ(lines[3], "(no tenants)");
}

TEST(top_view, json_of_another_shape_is_refused_naming_the_member) {
    auto o = rates();
    o.erase("tenants");
    auto s = read_snapshot(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().field, "tenants");

    o = rates();
    o["tenants"].as_array()[1].as_object().erase("tenant");
    s = read_snapshot(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().field, "tenants[1].tenant");

    o = rates();
    o["tenants"].as_array()[0].as_object()["totals"].as_object()["delivered"] = -1;
    s = read_snapshot(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().field, "tenants[0].totals.delivered");

    o = rates();
    o.erase("now_ms");
    EXPECT_FALSE(read_snapshot(o));
}

}  // namespace
}  // namespace herald
