// One recipient normalisation at every door: dedupe/content_hash.cpp's
// normalize_address (herald's producer, the content hash, the domain
// throttle) and the Redis library's (plain FCALL producers, the recipient
// breaker), checked on one table against a real Redis.
#include "dedupe/content_hash.hpp"
#include "tests/support/queue_fixture.hpp"

namespace herald {
namespace {

struct address_case {
    std::string in, out;
};

const std::vector<address_case> cases{
    {"a@example.com", "a@example.com"},
    {"A@EXAMPLE.COM", "A@example.com"},  // the local part keeps its case
    {"Ann <Ann@Example.COM>", "Ann@example.com"},
    {"  spaced@Example.org  ", "spaced@example.org"},
    {"<bare@Example.net>", "bare@example.net"},
    {"Ann <ann@example.com> (work)", "ann@example.com"},  // text after the brackets
    {"x <y> <z@Example.com>", "z@example.com"},           // the last brackets count
    {"odd > order < here@Example.com", "odd > order < here@example.com"},
    {"\"quoted@local\"@Example.COM", "\"quoted@local\"@example.com"},  // the last @
    {"no-at-all", "no-at-all"},
    {"\t<tab@Example.com>\r\n", "tab@example.com"},
    {"", ""},
};

struct address_test : test::queue_fixture {};

TEST_F(address_test, cpp_and_lua_normalise_every_case_alike) {
    for (const auto& c : cases) {
        EXPECT_EQ(dedupe::normalize_address(c.in), c.out) << "C++: [" << c.in << "]";
        auto lua = server.cmd({"FCALL_RO", "herald_address", "0", c.in});
        EXPECT_EQ(lua.str, c.out) << "Lua: [" << c.in << "]";
    }
}

TEST_F(address_test, a_recipient_counts_alike_whichever_door_it_came_through) {
    // The recipient breaker counts "Ann <ann@Example.com> (work)" given by
    // herald's producer and decoded by the library as one recipient.
    set("acme", "breaker.recipient.max", "2");
    const auto to = std::string("Ann <ann@Example.com> (work)");
    ASSERT_TRUE(try_admit(test::enqueued_email("acme", test::email_json(to, "a"))));
    ASSERT_TRUE(try_admit("acme", test::email_json(to, "b")));
    auto third = try_admit("acme", test::email_json("ann@example.com", "c"));
    ASSERT_FALSE(third);
    EXPECT_NE(third.error().detail.find("ann@example.com"), std::string::npos)
        << third.error().detail;
}

}  // namespace
}  // namespace herald
