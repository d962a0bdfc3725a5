// The message's way through a real Redis: admission, the consumer group,
// leases and delivered markers, retries with backoff, max age in every
// state, dead letters, and malformed entries.
#include "app/capture_transport.hpp"
#include "queue/backoff.hpp"
#include "queue/outcome_policy.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::email_json;
namespace fs = std::filesystem;

struct worker_test : test::queue_fixture {
    std::string shard_of(const message_id& id) { return queue::shard_prefix(id.shard); }
    // A worker read the message and died: its entry stays pending.
    void read_by_a_dead_worker(const message_id& id) {
        server.cmd({"XREADGROUP", "GROUP", "workers", "ghost", "COUNT", "1", "STREAMS",
                    queue::ingress_key(id.shard, channel::email), ">"});
    }
    std::int64_t pending(channel ch) {
        std::int64_t n = 0;
        for (std::uint32_t s = 0; s < q.shards; ++s) {
            auto r = server.cmd({"XPENDING", queue::ingress_key(s, ch), "workers"});
            n += r[0].integer;
        }
        return n;
    }
};

struct capture_dir {
    fs::path path = fs::temp_directory_path() / ("herald-capture-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(std::rand()));
    ~capture_dir() { fs::remove_all(path); }
    std::vector<boost::json::object> files() const {
        std::vector<boost::json::object> out;
        if (!fs::exists(path)) return out;
        for (const auto& f : fs::directory_iterator(path)) {
            if (f.path().extension() != ".json") continue;
            std::ifstream in(f.path());
            std::string s((std::istreambuf_iterator<char>(in)), {});
            out.push_back(boost::json::parse(s).as_object());
        }
        return out;
    }
};

// ---- the happy path ------------------------------------------------------------

TEST_F(worker_test, delivers_both_channels_to_capture_and_cleans_up) {
    capture_dir dir;
    app::capture_transport cap(dir.path);
    auto e1 = admit("acme", email_json("a@example.com"));
    auto e2 = admit("globex", email_json("b@example.com"));
    auto s1 =
        admit("acme", R"({"from":"ACME","to":"+15551234567","body":"code 1234"})", channel::sms);
    ASSERT_TRUE(run_worker(cap, [&] { return dir.files().size() == 3; }));

    std::set<std::string> ids;
    for (const auto& f : dir.files())
        ids.insert(std::string(f.at("id").as_string()));
    EXPECT_EQ(ids, (std::set<std::string>{e1.str(), e2.str(), s1.str()}));
    // Memory follows the backlog: acknowledged entries are deleted.
    EXPECT_EQ(total_len(channel::email), 0);
    EXPECT_EQ(total_len(channel::sms), 0);
    EXPECT_EQ(pending(channel::email), 0);
    // The delivered marker exists and is bounded by a TTL.
    auto ttl = count({"TTL", shard_of(e1) + ":done:" + e1.str()});
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, static_cast<std::int64_t>(q.delivered_ttl_s));
    EXPECT_EQ(count({"EXISTS", shard_of(e1) + ":lease:" + e1.str()}), 0);
    EXPECT_EQ(cap.replays(), 0u);
}

TEST_F(worker_test, schema_round_trip_keeps_every_field) {
    const std::string json =
        R"({"from":"Ann <ann@example.com>","to":["x@example.com","y@example.com"],
        "cc":["c@example.com"],"bcc":["b@example.com"],"reply_to":"r@example.com",
        "subject":"Grüße ✓","text":"plain","html":"<p>html</p>",
        "headers":{"X-Campaign":"fall"},
        "attachments":[{"filename":"a.txt","content_type":"text/plain","content":"aGk="},
                       {"filename":"logo.png","content_type":"image/png","content":"iVBO","content_id":"logo"}],
        "tags":["welcome","t2"],"metadata":{"user":"42"}})";
    auto original = parse_message(channel::email, json);
    ASSERT_TRUE(original) << original.error().to_string();
    capture_dir dir;
    app::capture_transport cap(dir.path);
    admit("acme", serialize(*original));
    ASSERT_TRUE(run_worker(cap, [&] { return dir.files().size() == 1; }));
    auto captured = dir.files().front();
    auto back = parse_message(channel::email, captured.at("message"));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(serialize(*back), serialize(*original));
    EXPECT_EQ(captured.at("tenant").as_string(), "acme");
    EXPECT_EQ(captured.at("channel").as_string(), "email");
}

// ---- admission refusals --------------------------------------------------------

TEST_F(worker_test, admission_refuses_bad_input_with_stable_codes_and_stores_nothing) {
    EXPECT_EQ(try_admit("acme", "not json").error().name(), "invalid_message");
    EXPECT_EQ(try_admit("acme", "[1,2]").error().name(), "invalid_message");
    EXPECT_EQ(try_admit("bad tenant!", email_json("a@b.c")).error().name(), "invalid_message");
    EXPECT_EQ(try_admit("acme", "").error().name(), "invalid_message");
    EXPECT_EQ(total_len(channel::email), 0);
}

TEST_F(worker_test, admission_refuses_wrong_shard_and_oversize_via_plain_fcall) {
    // What a producer in another language would send, with a wrong shard key.
    const auto right = queue::shard_of("acme", q.shards);
    const auto wrong = queue::shard_prefix((right + 1) % q.shards);
    auto r =
        server.cmd({"FCALL", "herald_admit", "1", wrong, "acme", "email", email_json("a@b.c")});
    ASSERT_TRUE(r.is_array());
    EXPECT_EQ(r[0].str, "err");
    EXPECT_EQ(r[1].str, "wrong_shard");
    // And a correct one works, answering the message id.
    auto ok = server.cmd({"FCALL", "herald_admit", "1", queue::shard_prefix(right), "acme", "email",
                          email_json("a@b.c")});
    EXPECT_EQ(ok[0].str, "ok");
    EXPECT_TRUE(message_id::parse(ok[1].str));
    // Oversize payloads are refused before anything is stored.
    server.cmd({"HSET", queue::shard_prefix(right) + ":meta", "max_bytes", "64"});
    server.cmd({"HINCRBY", queue::shard_prefix(right) + ":meta", "settings_version", "1"});
    auto big = server.cmd({"FCALL", "herald_admit", "1", queue::shard_prefix(right), "acme",
                           "email", email_json(std::string(100, 'x') + "@b.c")});
    EXPECT_EQ(big[1].str, "payload_too_large");
    EXPECT_EQ(total_len(channel::email), 1);
}

TEST_F(worker_test, admission_needs_initialised_shards) {
    server.cmd({"DEL", queue::shard_prefix(queue::shard_of("acme", q.shards)) + ":meta"});
    EXPECT_EQ(try_admit("acme", email_json("a@b.c")).error().name(), "not_initialized");
}

// ---- retries -------------------------------------------------------------------

TEST(backoff, equal_jitter_stays_between_half_and_all_of_an_exponential_ceiling) {
    EXPECT_EQ(queue::backoff_ceiling(1, 1000, 60000), 1000);
    EXPECT_EQ(queue::backoff_ceiling(2, 1000, 60000), 2000);
    EXPECT_EQ(queue::backoff_ceiling(5, 1000, 60000), 16000);
    EXPECT_EQ(queue::backoff_ceiling(7, 1000, 60000), 60000);
    EXPECT_EQ(queue::backoff_ceiling(60, 1000, 60000), 60000);
    std::mt19937_64 rng(7);
    double sum = 0;
    millis lo = 1 << 30, hi = 0;
    for (int i = 0; i < 20000; ++i) {
        auto d = queue::backoff_delay(3, 1000, 60000, rng);
        sum += static_cast<double>(d);
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    EXPECT_GE(lo, 2000);  // never back at once: attempts are not spent in seconds
    EXPECT_LE(hi, 4000);
    EXPECT_NEAR(sum / 20000, 3000, 40);  // uniform over [2000, 4000]
    EXPECT_LT(lo, 2050);
    EXPECT_GT(hi, 3950);
}

TEST(backoff, the_default_schedule_ends_a_message_by_age_not_by_attempts) {
    // Deferred on every attempt: with the defaults it dies of age after
    // about a day, well before the attempts cap.
    queue::queued_message m;
    m.entry_id = "1-0";
    m.created = 0;
    m.expires = 86'400'000;
    const queue::retry_policy p;  // the defaults, as in core/config.hpp
    EXPECT_EQ(p.max_attempts, static_cast<int>(queue_config{}.max_attempts));
    EXPECT_EQ(p.backoff_base_ms, queue_config{}.backoff_base_ms);
    EXPECT_EQ(p.backoff_cap_ms, queue_config{}.backoff_cap_ms);
    std::mt19937_64 rng(11);
    millis now = 0;
    std::vector<millis> due;
    for (;;) {
        auto r = queue::decide(m, outcome::deferred("smtp_4xx", "451 later"), p, now, rng);
        if (r.what != queue::settle_record::kind::deferred) {
            EXPECT_EQ(r.extra.rfind("expired|", 0), 0u) << r.extra;
            break;
        }
        now = std::stoll(r.extra.substr(0, r.extra.find('|')));
        due.push_back(now);
        ++m.attempt;
    }
    ASSERT_GE(due.size(), 9u);
    EXPECT_GE(due[0], 30'000);  // the first retry within a minute or two
    EXPECT_LE(due[0], 60'000);
    EXPECT_LE(due[4], 31 * 60'000);               // five retries within half an hour
    EXPECT_LE(static_cast<int>(due.size()), 20);  // retries of 2-4 h once capped
    EXPECT_LT(static_cast<int>(due.size()), p.max_attempts / 2);
}

TEST(backoff, a_postponed_message_waits_without_using_an_attempt) {
    queue::queued_message m;
    m.entry_id = "1-0";
    m.attempt = 3;
    m.expires = 100'000;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 200; ++i) {
        auto r = queue::decide(m, outcome::postponed("destination_suspended", "x", 10'000), {},
                               2'000, rng);
        ASSERT_EQ(r.what, queue::settle_record::kind::limited);
        const millis due = std::stoll(r.extra.substr(0, r.extra.find('|')));
        EXPECT_GE(due, 10'000);
        EXPECT_LE(due, 12'000);  // plus at most a quarter of the wait
        EXPECT_EQ(r.extra.substr(r.extra.find('|') + 1), "destination_suspended");
    }
    auto late =
        queue::decide(m, outcome::postponed("destination_suspended", "x", 200'000), {}, 2'000, rng);
    EXPECT_EQ(late.what, queue::settle_record::kind::dead);
    EXPECT_EQ(late.extra.rfind("expired|", 0), 0u);
}

TEST_F(worker_test, deferred_message_waits_for_its_due_time_then_retries) {
    test::scripted_transport t;
    t.script = [](const delivery& d) {
        return d.attempt < 2 ? outcome::deferred("smtp_4xx", "451 try later")
                             : outcome::delivered("ok");
    };
    auto id = admit("acme", email_json("a@example.com"));
    const std::string retry = shard_of(id) + ":retry";

    for (int attempt = 1; attempt <= 2; ++attempt) {
        const millis before = clk.now_ms();
        ASSERT_TRUE(run_worker(t, [&] {
            return t.calls.size() == std::size_t(attempt) && count({"ZCARD", retry}) == 1;
        }));
        const auto due = std::stoll(server.cmd({"ZSCORE", retry, id.str()}).str);
        EXPECT_GE(due, before);
        EXPECT_LE(due,
                  before + queue::backoff_ceiling(attempt, q.backoff_base_ms, q.backoff_cap_ms));
        if (due > clk.now_ms()) {
            // Not due yet: the scheduler leaves it alone.
            EXPECT_FALSE(run_worker(
                t, [&] { return t.calls.size() > std::size_t(attempt); }, 300ms));
            EXPECT_EQ(count({"ZCARD", retry}), 1);
        }
        clk.set(due);
    }
    ASSERT_TRUE(run_worker(t, [&] {
        return t.calls.size() == 3 && count({"ZCARD", retry}) == 0 &&
               total_len(channel::email) == 0;
    }));
    EXPECT_EQ(t.attempts_seen[id.str()], 2);
    EXPECT_EQ(count({"HLEN", shard_of(id) + ":deferred"}), 0);
    EXPECT_EQ(count({"EXISTS", shard_of(id) + ":done:" + id.str()}), 1);
}

TEST_F(worker_test, exhausted_attempts_dead_letter_with_reason_and_history) {
    q.max_attempts = 3;
    test::scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451 mailbox busy"); };
    auto id = admit("acme", email_json("a@example.com"));
    ASSERT_TRUE(run_worker(t, [&] {
        clk.advance(10'000);  // always past the next due time
        return dead_count() == 1;
    }));
    EXPECT_EQ(t.calls_for(id.str()), 3);
    auto dead = dead_letters().front();
    EXPECT_EQ(dead["reason"], "attempts_exhausted");
    EXPECT_EQ(dead["id"], id.str());
    EXPECT_EQ(dead["tenant"], "acme");
    EXPECT_NE(dead["detail"].find("451 mailbox busy"), std::string::npos);
    // Two deferrals before the last attempt, each a history line.
    EXPECT_EQ(std::count(dead["history"].begin(), dead["history"].end(), '\n'), 1);
    EXPECT_NE(dead["history"].find("smtp_4xx"), std::string::npos);
    EXPECT_EQ(total_len(channel::email), 0);
}

TEST_F(worker_test, bounce_dead_letters_at_once) {
    test::scripted_transport t;
    t.script = [](const delivery&) {
        return outcome::bounced("smtp_5xx", "550 5.1.1 no such user");
    };
    admit("acme", email_json("nobody@example.com"));
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 1; }));
    EXPECT_EQ(t.calls.size(), 1u);
    auto dead = dead_letters().front();
    EXPECT_EQ(dead["reason"], "bounced");
    EXPECT_NE(dead["detail"].find("5.1.1"), std::string::npos);
}

// ---- max age in each state ---------------------------------------------------------

TEST_F(worker_test, max_age_expires_a_ready_message) {
    test::scripted_transport t;
    admit("acme", email_json("a@example.com"));
    clk.advance(static_cast<millis>(q.max_age_s) * 1000 + 1000);
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 1; }));
    EXPECT_TRUE(t.calls.empty());
    EXPECT_EQ(dead_letters().front()["reason"], "expired");
}

TEST_F(worker_test, max_age_expires_a_leased_message_left_by_a_dead_worker) {
    test::scripted_transport t;
    auto id = admit("acme", email_json("a@example.com"));
    read_by_a_dead_worker(id);  // which also held the send lease
    server.cmd({"SET", shard_of(id) + ":lease:" + id.str(), "ghost", "PX", "100"});
    clk.advance(static_cast<millis>(q.max_age_s) * 1000 + 1000);
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 1; }));
    EXPECT_TRUE(t.calls.empty());
    EXPECT_EQ(dead_letters().front()["reason"], "expired");
    EXPECT_EQ(pending(channel::email), 0);
}

TEST_F(worker_test, max_age_expires_a_deferred_message) {
    test::scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451"); };
    auto id = admit("acme", email_json("a@example.com"));
    ASSERT_TRUE(run_worker(t, [&] { return count({"ZCARD", shard_of(id) + ":retry"}) == 1; }));
    clk.advance(static_cast<millis>(q.max_age_s) * 1000 + 1000);
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 1; }));
    EXPECT_EQ(t.calls.size(), 1u);
    auto dead = dead_letters().front();
    EXPECT_EQ(dead["reason"], "expired");
    EXPECT_NE(dead["detail"].find("deferred"), std::string::npos);
    EXPECT_EQ(count({"HLEN", shard_of(id) + ":deferred"}), 0);
}

TEST_F(worker_test, a_deferral_past_max_age_dead_letters_instead) {
    q.max_age_s = 2;  // shorter than the first backoff ceiling can promise
    q.backoff_base_ms = 100'000;
    const auto meta = queue::shard_prefix(queue::shard_of("acme", q.shards)) + ":meta";
    server.cmd({"HSET", meta, "max_age_ms", "2000"});
    server.cmd({"HINCRBY", meta, "settings_version", "1"});
    test::scripted_transport t;
    t.script = [](const delivery&) { return outcome::deferred("smtp_4xx", "451"); };
    admit("acme", email_json("a@example.com"));
    // Full jitter may draw a short delay; retry until one lands past max age.
    ASSERT_TRUE(run_worker(t, [&] {
        clk.advance(1);
        return dead_count() == 1;
    }));
    EXPECT_EQ(dead_letters().front()["reason"], "expired");
}

// ---- the delivered marker and the lease ------------------------------------------

TEST_F(worker_test, reclaimed_message_already_delivered_is_acked_not_resent) {
    test::scripted_transport t;
    auto id = admit("acme", email_json("a@example.com"));
    // The crash window after the send: marker written, entry still pending.
    read_by_a_dead_worker(id);
    server.cmd({"SET", shard_of(id) + ":done:" + id.str(), "1", "EX", "600"});
    ASSERT_TRUE(run_worker(t, [&] { return total_len(channel::email) == 0; }));
    EXPECT_TRUE(t.calls.empty());
    EXPECT_EQ(pending(channel::email), 0);
}

TEST_F(worker_test, a_live_lease_keeps_a_reclaimed_message_from_a_second_send) {
    test::scripted_transport t;
    auto id = admit("acme", email_json("a@example.com"));
    const std::string lease = shard_of(id) + ":lease:" + id.str();
    server.cmd({"XREADGROUP", "GROUP", "workers", "slowpoke", "COUNT", "1", "STREAMS",
                queue::ingress_key(id.shard, channel::email), ">"});
    server.cmd({"SET", lease, "slowpoke", "PX", "60000"});
    // Idle past reclaim_idle_ms, but the lease is another's: left alone.
    EXPECT_FALSE(run_worker(
        t, [&] { return !t.calls.empty(); },
        std::chrono::milliseconds(q.reclaim_idle_ms + 4 * q.reclaim_interval_ms + 500)));
    EXPECT_TRUE(t.calls.empty());
    // Once the lease is gone, it is sent exactly once.
    server.cmd({"DEL", lease});
    ASSERT_TRUE(run_worker(t, [&] { return total_len(channel::email) == 0; }));
    EXPECT_EQ(t.calls_for(id.str()), 1);
}

// ---- malformed entries -------------------------------------------------------------

TEST_F(worker_test, malformed_entries_are_dead_lettered_and_the_worker_keeps_going) {
    const auto stream = queue::ingress_key(queue::shard_of("acme", q.shards), channel::email);
    const std::string garbage("\xff\xfe\x00\x01{{", 6);
    const std::vector<std::vector<std::string>> bad{
        {"XADD", stream, "*", "v", "1", "tenant", "acme"},  // no payload
        {"XADD", stream, "*", "v", "1", "tenant", "acme", "payload", email_json("a@b.c"), "created",
         "yesterday", "expires", "1", "attempt", "0"},  // wrong type
        {"XADD", stream, "*", "v", "1", "tenant", "acme", "payload", garbage, "created", "1",
         "expires", "99999999999999", "attempt", "0"},  // garbage bytes
        {"XADD", stream, "*", "v", "1", "tenant", "acme", "payload", R"({"from":"a@b.c"})",
         "created", "1", "expires", "99999999999999", "attempt", "0"},  // no recipient
        {"XADD", stream, "*", "v", "1", "tenant", "acme", "payload",
         email_json("a@b.c", std::string(11 << 20, 'x')), "created", "1", "expires",
         "99999999999999", "attempt", "0"},            // oversize
        {"XADD", stream, "*", "v", "9", "junk", "x"},  // unknown schema
    };
    for (const auto& c : bad)
        ASSERT_FALSE(server.cmd(c).is_error());
    auto good = admit("acme", email_json("ok@example.com"));
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return dead_count() == 6 && t.calls.size() == 1; }));
    EXPECT_EQ(t.calls.front(), good.str());
    std::multiset<std::string> details;
    for (auto& d : dead_letters()) {
        EXPECT_EQ(d["reason"], "malformed");
        details.insert(d["detail"]);
    }
    auto has = [&](std::string_view needle) {
        return std::any_of(details.begin(), details.end(), [&](const std::string& d) {
            return d.find(needle) != std::string::npos;
        });
    };
    EXPECT_TRUE(has("payload is missing"));
    EXPECT_TRUE(has("created is not a number"));
    EXPECT_TRUE(has("not valid JSON"));
    EXPECT_TRUE(has("at least one recipient"));
    EXPECT_TRUE(has("payload_too_large"));
    EXPECT_TRUE(has("schema version"));
    EXPECT_EQ(total_len(channel::email), 0);
}

TEST_F(worker_test, dead_letter_stream_is_bounded) {
    q.dead_max = 100;
    const auto stream = queue::ingress_key(0, channel::email);
    for (int i = 0; i < 500; ++i)
        server.cmd({"XADD", stream, "*", "v", "1"});
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(t, [&] { return total_len(channel::email) == 0; }));
    // MAXLEN ~ trims whole nodes, so allow one node (100 entries) of slack.
    EXPECT_LE(count({"XLEN", queue::dead_key(0)}), 200);
}

// ---- consumers ------------------------------------------------------------------

// Each worker start adds a consumer to the group; nothing else removes them.
TEST_F(worker_test, idle_consumers_without_pending_entries_are_removed_and_its_own_at_exit) {
    const auto id = admit("acme", email_json("u@x.example"));
    const auto stream = queue::ingress_key(id.shard, channel::email);
    auto consumers = [&] {
        std::set<std::string> names;
        for (std::uint32_t s = 0; s < q.shards; ++s)
            for (auto ch : {channel::email, channel::sms})
                for (const auto& c :
                     server.cmd({"XINFO", "CONSUMERS", queue::ingress_key(s, ch), "workers"})
                         .elements)
                    names.insert(c[1].str);
        return names;
    };
    // A dead worker holding an entry, and one that held nothing.
    server.cmd(
        {"XREADGROUP", "GROUP", "workers", "gone-busy", "COUNT", "1", "STREAMS", stream, ">"});
    server.cmd({"XGROUP", "CREATECONSUMER", stream, "workers", "gone-empty"});
    std::this_thread::sleep_for(1600ms);
    server.cmd({"XGROUP", "CREATECONSUMER", stream, "workers", "recent-empty"});
    q.consumer_idle_ms = 1500;
    q.reclaim_idle_ms = 600000;  // gone-busy keeps its entry through the test
    test::scripted_transport t;
    ASSERT_TRUE(run_worker(
        t, [&] { return !consumers().contains("gone-empty"); }, 5s));
    EXPECT_EQ(consumers(), (std::set<std::string>{"gone-busy", "recent-empty"}))
        << "one with pending entries or idle for less than consumer_idle_ms stays; the "
           "worker's own went at its clean exit";
    EXPECT_EQ(pending(channel::email), 1);
}

}  // namespace
}  // namespace herald
