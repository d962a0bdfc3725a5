// Every key herald writes is bounded: mixed traffic through every path
// (accepted, duplicate, idempotent, refused by breakers and quotas,
// rate-limited, deferred, bounced, malformed, expired, and what the HTTP
// API writes: tenants, suppressions, a requeue), then an audit of
// the whole keyspace: each key has a TTL, or is of a kind whose size is
// capped (a stream trimmed by MAXLEN, a fixed-field hash, a queue counted
// under the storage quota). Key counts and memory stay under bounds
// computed from the traffic. Any key without a bound is listed.
#include "api/keys.hpp"
#include "queue/contract.hpp"
#include "queue/dead_letters.hpp"
#include "queue/keys.hpp"
#include "queue/suppressions.hpp"
#include "queue/tenants.hpp"
#include "tests/support/queue_fixture.hpp"

#include <map>
#include <regex>

namespace herald {
namespace {

using test::email_json;

struct bounds_test : test::queue_fixture {};

TEST_F(bounds_test, mixed_traffic_leaves_only_bounded_keys) {
    const std::vector<std::string> tenants{"t0", "t1", "t2", "t3"};
    set("t1", "quota.email.day", "30");
    set("t2", "breaker.content.max", "3");
    set("t3", "rate.email.per_sec", "50");
    for (const auto& c : ratelimit::set_domain_limit("slow.example", "100", "5"))
        server.cmd(c);
    const auto used_before =
        std::stoll(server.cmd({"INFO", "memory"})
                       .str.substr(server.cmd({"INFO", "memory"}).str.find("used_memory:") + 12));

    int offered = 0, accepted = 0;
    for (int round = 0; round < 5; ++round) {
        for (const auto& t : tenants) {
            for (int i = 0; i < 40; ++i) {
                const std::string to =
                    "u" + std::to_string(i % 15) + (i % 3 ? "@slow.example" : "@x.example");
                const std::string json =
                    email_json(to, "r" + std::to_string(round) + "-" + std::to_string(i % 20));
                auto r = try_admit(
                    test::enqueued_email(t, json, i % 4 == 0 ? "k" + std::to_string(i) : ""));
                ++offered;
                accepted += r && !r->duplicate && !r->replay;
            }
            auto sms = try_admit(
                t,
                R"({"from":"S","to":"+15550000000","body":"hi )" + std::to_string(round) + R"("})",
                channel::sms);
            ++offered;
            accepted += sms && !sms->duplicate;
        }
        server.cmd({"XADD", queue::ingress_key(0, channel::email), "*", "v", "1", "junk", "x"});
        test::scripted_transport t;
        int n = 0;
        t.script = [&n](const delivery&) {
            ++n;
            if (n % 7 == 0) return outcome::bounced("smtp_5xx", "550 no");
            if (n % 5 == 0) return outcome::deferred("smtp_4xx", "451 later");
            return outcome::delivered("ok");
        };
        ASSERT_TRUE(run_worker(t, [&] {
            clk.advance(500);
            return total_len(channel::email) == 0 && total_len(channel::sms) == 0;
        }));
        clk.advance(3'600'000);  // retries come due; some windows end
    }
    // What the HTTP API writes: tenants, suppressions, a requeued dead letter.
    for (const auto& t : tenants) {
        ASSERT_TRUE(test::run(ioc, queue::create_tenant(client, t)));
        ASSERT_TRUE(test::run(ioc, queue::add_suppression(client, q.shards, t, "gone@x.example",
                                                          "550 5.1.1", 86400)));
        ASSERT_TRUE(test::run(ioc, api::keys::create(client, q.shards, t, "bounds")));
    }
    auto dead = test::run(ioc, queue::list_dead(client, q.shards, "t0", "", 1));
    ASSERT_TRUE(dead && !dead->items.empty());
    ASSERT_TRUE(test::run(ioc, queue::requeue_dead(client, q.shards, "t0", dead->items[0].id)));
    test::scripted_transport drain;
    ASSERT_TRUE(run_worker(drain, [&] {
        clk.advance(60'000);
        return retry_len() == 0 && total_len(channel::email) == 0;
    }));

    // ---- the audit: every kind of queue/keys' table, by its bound ----
    struct kind {
        std::regex pattern;
        bool needs_ttl;
        std::int64_t max_keys;
        int seen = 0;
    };
    const std::int64_t shards = q.shards, T = tenants.size();
    // How many keys of each kind this traffic may leave.
    const std::map<std::string_view, std::int64_t> most{
        {"meta", shards},
        {"ingress", 2 * shards},
        {"retry", shards},
        {"deferred", shards},
        {"clock", shards},
        {"dead", shards},
        {"events", shards},
        {"tenant", T},
        {"usage", T},
        {"lease", accepted},
        {"done", accepted},
        {"stat", T * 2},
        {"breaker", offered},
        {"breakers", T},
        {"counters", 2 * offered},
        {"rate", T},
        {"idempotency", offered / 4 + 1},
        {"dedupe", accepted + 5},
        {"limiter", T * 2},
        {"quota", T * 2 * 2 * 2},
        {"sent", accepted},
        {"suppression", accepted + T},
        {"suppressions", T},
        {"status", accepted},
        {"api_keys", T},
        {"domain", 0},  // no domain is added by this load
        {"senders", 0},
        {"domain_checks", 0},
        {"domain_lease", 0},
        {"receipt", 0},
        // At most one per call that counts (admission, settle, promote): the
        // test clock jumps, so not one per real second; each lives 960 s.
        {"rates", 2 * offered + shards},
        // No webhook is registered by this load; tests/ops/webhook_store_test
        // holds each webhook kind to its cap.
        {"webhooks", 0},
        {"webhook_queue", 0},
        {"webhook_batches", 0},
        {"webhook_lease", 0},
        {"webhook_due", 0},
        {"webhook_dead", 0},
        {"webhook_dead_batches", 0},
        {"webhook_stats", 0},
    };
    std::vector<std::pair<std::string, kind>> kinds;
    for (const auto& k : queue::k_key_names) {
        ASSERT_TRUE(most.contains(k.name)) << k.name << ": a key kind this audit does not bound";
        const std::string pattern =
            R"(hd:\{s\d+\})" + std::string(k.suffix) + (k.suffix.ends_with(':') ? ".+" : "");
        kinds.emplace_back(k.name, kind{std::regex(pattern), k.bound == queue::key_bound::expires,
                                        most.at(k.name)});
    }
    // The destination-domain limiter's keys live outside the shards.
    kinds.emplace_back("domain limit", kind{std::regex(R"(hd:\{d:[\w.-]+\}:limit)"), false, 1});
    kinds.emplace_back("limited domains", kind{std::regex(R"(hd:\{d\}:limited)"), false, 1});
    // Capped (contract::tenants_max), not expiring: tenants live until ops remove them.
    kinds.emplace_back("tenant registry", kind{std::regex(R"(hd:\{t\}:tenants)"), false, 1});
    // Capped too: at most api::k_max_keys_per_tenant keys a tenant.
    kinds.emplace_back("API key digests", kind{std::regex(R"(hd:\{a\}:keys)"), false, 1});
    kinds.emplace_back("domain limiter", kind{std::regex(R"(hd:\{d:[\w.-]+\}:rl)"), true, 1});
    kinds.emplace_back("destination health",
                       kind{std::regex(R"(hd:\{h:[\w.:-]+\}:health)"), true, 0});
    std::vector<std::string> unbounded;
    std::string cursor = "0";
    std::int64_t keys = 0;
    do {
        auto r = server.cmd({"SCAN", cursor, "COUNT", "1000"});
        cursor = r[0].str;
        for (const auto& k : r[1].elements) {
            ++keys;
            const auto ttl = count({"PTTL", k.str});
            bool matched = false;
            for (auto& [name, kd] : kinds) {
                if (!std::regex_match(k.str, kd.pattern)) continue;
                matched = true;
                ++kd.seen;
                if (kd.needs_ttl && ttl < 0)
                    unbounded.push_back(k.str + " (" + name + " without TTL)");
            }
            if (!matched && ttl < 0) unbounded.push_back(k.str + " (unknown kind, no TTL)");
        }
    } while (cursor != "0");
    EXPECT_TRUE(unbounded.empty()) << [&] {
        std::string s = "keys without a bound:\n";
        for (const auto& u : unbounded)
            s += "  " + u + "\n";
        return s;
    }();
    for (const auto& [name, kd] : kinds)
        EXPECT_LE(kd.seen, kd.max_keys) << name;
    // The capped kinds are within their caps.
    for (std::uint32_t s = 0; s < q.shards; ++s) {
        EXPECT_LE(count({"XLEN", queue::dead_key(s)}), q.dead_max + 100);
        EXPECT_LE(count({"XLEN", queue::events_key(s)}), queue::contract::events_max + 100);
        EXPECT_EQ(
            count({"HLEN", queue::shard_prefix(s) + std::string(queue::key_suffix("deferred"))}),
            0);
    }
    const auto info = server.cmd({"INFO", "memory"}).str;
    const auto used_after = std::stoll(info.substr(info.find("used_memory:") + 12));
    // Per accepted message at most its TTL'd markers (~300 bytes each).
    EXPECT_LT(used_after - used_before, 2'000'000 + accepted * 1'000) << keys << " keys";
    std::cout << "[ measure  ] " << offered << " offered, " << accepted << " accepted; " << keys
              << " keys; memory +" << (used_after - used_before) << " bytes\n";
}

}  // namespace
}  // namespace herald
