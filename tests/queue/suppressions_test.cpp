// A tenant's suppressions as the API manages them (queue/suppressions.hpp):
// add, list in pages (also across many of one expiry), remove; addresses
// normalised as every door does and seen by the smtp transport's check;
// expired ones pruned from the index; the cap refuses with its code and
// writes nothing; every key has a TTL.
#include "queue/suppressions.hpp"
#include "smtp/suppression.hpp"
#include "tests/support/queue_fixture.hpp"

#include <set>
#include <thread>

namespace herald {
namespace {

using namespace std::chrono_literals;

struct suppressions_test : test::queue_fixture {
    result<void> add(const std::string& tenant, const std::string& rcpt,
                     std::uint64_t ttl_s = 3600) {
        return test::run(
            ioc, queue::add_suppression(client, q.shards, tenant, rcpt, "550 5.1.1", ttl_s));
    }
    queue::suppression_page page(const std::string& tenant, const std::string& cursor,
                                 std::size_t limit) {
        auto r = test::run(ioc, queue::list_suppressions(client, q.shards, tenant, cursor, limit));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? *r : queue::suppression_page{};
    }
    // Every page of `limit`, checking that none repeats an address.
    std::vector<queue::suppression> all(const std::string& tenant, std::size_t limit) {
        std::vector<queue::suppression> out;
        std::string cursor;
        int pages = 0;
        do {
            auto p = page(tenant, cursor, limit);
            EXPECT_LE(p.items.size(), limit);
            out.insert(out.end(), p.items.begin(), p.items.end());
            cursor = p.next_cursor;
        } while (!cursor.empty() && ++pages < 100);
        return out;
    }
    std::string index(const std::string& tenant) const {
        return queue::suppression_index_key(queue::shard_of(tenant, q.shards), tenant);
    }
};

TEST_F(suppressions_test, add_list_in_pages_and_remove) {
    const auto before = wall_clock().now_ms();
    for (int i = 0; i < 5; ++i) {
        auto r = add("acme", "u" + std::to_string(i) + "@Example.COM");
        ASSERT_TRUE(r) << r.error().to_string();
        std::this_thread::sleep_for(2ms);  // distinct expiries: the pages go by them
    }
    ASSERT_TRUE(add("globex", "other@example.com"));
    auto first = page("acme", "", 2);
    EXPECT_EQ(first.items.size(), 2u);
    EXPECT_FALSE(first.next_cursor.empty());
    auto items = all("acme", 2);
    std::set<std::string> seen;
    for (const auto& s : items) {
        seen.insert(s.recipient);
        EXPECT_EQ(s.reason, "550 5.1.1");
        EXPECT_GE(s.created_ms, before);
        EXPECT_NEAR(static_cast<double>(s.expires_ms - s.created_ms), 3'600'000.0, 1.0);
    }
    EXPECT_EQ(items.size(), 5u);
    EXPECT_EQ(seen, (std::set<std::string>{"u0@example.com", "u1@example.com", "u2@example.com",
                                           "u3@example.com", "u4@example.com"}))
        << "normalised: the domain lower-cased";
    EXPECT_LE(items.front().expires_ms, items.back().expires_ms) << "soonest to expire first";

    // The transport's check sees what the API wrote, however it is spelled.
    smtp::suppression_list list(client, q.shards);
    auto checked = test::run(ioc, list.check("acme", {"u1@example.com", "U1@example.com", "x@y"}));
    ASSERT_TRUE(checked);
    EXPECT_EQ(*checked, (std::vector<bool>{true, false, false})) << "the local part keeps its case";

    auto removed =
        test::run(ioc, queue::remove_suppression(client, q.shards, "acme", "u1@EXAMPLE.com"));
    ASSERT_TRUE(removed);
    EXPECT_TRUE(*removed);
    removed = test::run(ioc, queue::remove_suppression(client, q.shards, "acme", "u1@example.com"));
    ASSERT_TRUE(removed);
    EXPECT_FALSE(*removed) << "there was none";
    EXPECT_EQ(all("acme", 10).size(), 4u);
    EXPECT_EQ(all("globex", 10).size(), 1u);
    checked = test::run(ioc, list.check("acme", {"u1@example.com"}));
    EXPECT_EQ(*checked, std::vector<bool>{false});
    EXPECT_GT(count({"PTTL", index("acme")}), 3'500'000) << "the index expires with its last";
}

TEST_F(suppressions_test, many_of_one_expiry_page_without_repeats_or_gaps) {
    std::vector<std::string> rcpts;
    for (int i = 0; i < 7; ++i)
        rcpts.push_back("r" + std::to_string(i) + "@example.com");
    auto r = test::run(ioc, queue::add_suppressions(client, q.shards, "acme", rcpts, "bounce", 60));
    ASSERT_TRUE(r) << r.error().to_string();
    for (std::size_t limit : {1u, 2u, 3u, 7u}) {
        auto items = all("acme", limit);
        std::vector<std::string> got;
        for (const auto& s : items)
            got.push_back(s.recipient);
        EXPECT_EQ(got, rcpts) << "limit " << limit;
    }
}

TEST_F(suppressions_test, expired_entries_are_pruned_from_the_index) {
    ASSERT_TRUE(add("acme", "short@example.com", 1));
    ASSERT_TRUE(add("acme", "long@example.com", 600));
    EXPECT_EQ(all("acme", 10).size(), 2u);
    std::this_thread::sleep_for(1100ms);
    auto items = all("acme", 10);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].recipient, "long@example.com");
    EXPECT_EQ(count({"ZCARD", index("acme")}), 1) << "pruned, not only hidden";
}

TEST_F(suppressions_test, the_cap_refuses_with_its_code_and_writes_nothing) {
    auto add_capped = [&](std::vector<std::string> rcpts) {
        return test::run(ioc,
                         queue::add_suppressions(client, q.shards, "acme", rcpts, "bounce", 60, 3));
    };
    ASSERT_TRUE(add_capped({"a@example.com", "b@example.com"}));
    auto r = add_capped({"c@example.com", "d@example.com"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::suppression_limit)) << r.error().to_string();
    EXPECT_EQ(r.error().http_status(), 409);
    EXPECT_EQ(count({"EXISTS", queue::suppression_key(queue::shard_of("acme", q.shards), "acme",
                                                      "c@example.com")}),
              0);
    EXPECT_EQ(count({"ZCARD", index("acme")}), 2);
    EXPECT_TRUE(add_capped({"c@example.com"})) << "up to the cap";
    EXPECT_TRUE(add_capped({"a@example.com"})) << "renewing one counts no new one";
    EXPECT_FALSE(add_capped({"e@example.com"}));
}

TEST_F(suppressions_test, a_reason_is_kept_printable_and_bounded) {
    const std::string reason = "550\r\n" + std::string(500, 'x');
    ASSERT_TRUE(test::run(
        ioc, queue::add_suppression(client, q.shards, "acme", "a@example.com", reason, 60)));
    auto items = all("acme", 10);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].reason, "550??" + std::string(195, 'x'));
}

TEST_F(suppressions_test, bad_input_is_refused) {
    EXPECT_FALSE(add("bad tenant!", "a@example.com"));
    EXPECT_FALSE(add("acme", ""));
    EXPECT_FALSE(add("acme", "a@example.com", 0)) << "a suppression without a TTL";
    auto r = test::run(ioc, queue::list_suppressions(client, q.shards, "acme", "nonsense", 10));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().name(), "invalid_argument");
}

}  // namespace
}  // namespace herald
