// What a check's verdicts do to a domain (domains/check.hpp): the state
// machine, key rotation and retirement, and when the next check is due.
#include "domains/check.hpp"

#include <gtest/gtest.h>

namespace herald::domains {
namespace {

constexpr std::int64_t hour = 3'600'000, t0 = 1'800'000'000'000;

verdict v(std::string record, verdict_status s, std::string selector = {}) {
    verdict out;
    out.record = std::move(record);
    out.status = s;
    if (!selector.empty()) out.details["selector"] = selector;
    return out;
}

std::vector<verdict> all(verdict_status own, verdict_status spf, verdict_status dkim,
                         verdict_status next = verdict_status::fail) {
    return {v("ownership", own), v("spf", spf), v("dkim", dkim, "hd202611a"),
            v("dkim", next, "hd202612a"), v("dmarc", verdict_status::fail)};
}

sender_domain pending() {
    sender_domain d;
    d.name = "mail.acme.test";
    d.selectors.push_back({.name = "hd202611a", .role = key_role::active});
    return d;
}

std::vector<std::string> types(const check_result& r) {
    std::vector<std::string> out;
    for (const auto& e : r.events)
        out.push_back(e.type);
    return out;
}

constexpr auto pass = verdict_status::pass, fail = verdict_status::fail,
               temp = verdict_status::temperror;

TEST(check, verified_needs_ownership_spf_and_dkim_but_not_dmarc) {
    domains_config cfg;
    for (auto [own, spf, dkim] : {std::tuple{fail, pass, pass}, std::tuple{pass, fail, pass},
                                  std::tuple{pass, pass, fail}}) {
        auto d = pending();
        auto r = apply_check(d, all(own, spf, dkim), t0, cfg);
        EXPECT_EQ(d.state, domain_state::pending);
        EXPECT_TRUE(r.events.empty());
        EXPECT_EQ(r.next_check_ms, t0 + hour);  // a pending domain is looked at hourly
    }
    auto d = pending();
    auto r = apply_check(d, all(pass, pass, pass), t0, cfg);
    EXPECT_EQ(d.state, domain_state::verified);
    EXPECT_EQ(d.verified_ms, t0);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.verified"});
    EXPECT_EQ(r.next_check_ms, t0 + 24 * hour);
    EXPECT_EQ(d.verdicts.size(), 5u);
}

TEST(check, a_domain_without_an_active_key_is_never_verified) {
    auto d = pending();
    d.selectors.clear();
    apply_check(d, all(pass, pass, pass), t0, domains_config{});
    EXPECT_EQ(d.state, domain_state::pending);
}

TEST(check, a_temperror_decides_nothing_and_comes_back_within_the_hour) {
    domains_config cfg;
    auto d = pending();
    apply_check(d, all(pass, pass, pass), t0, cfg);
    auto r = apply_check(d, all(pass, temp, pass), t0 + hour, cfg);
    EXPECT_EQ(d.state, domain_state::verified);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(r.next_check_ms, t0 + 2 * hour);
}

TEST(check, a_regression_keeps_sending_for_the_grace_then_blocks_until_it_passes) {
    domains_config cfg;
    cfg.grace_h = 72;
    auto d = pending();
    apply_check(d, all(pass, pass, pass), t0, cfg);
    auto r = apply_check(d, all(fail, pass, pass), t0 + hour, cfg);
    EXPECT_EQ(d.state, domain_state::regressed);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.regressed"});
    EXPECT_NE(r.events[0].detail.find("ownership"), std::string::npos) << r.events[0].detail;
    EXPECT_EQ(d.block_at_ms, t0 + 73 * hour);
    EXPECT_TRUE(d.may_send(t0 + 73 * hour - 1));
    EXPECT_FALSE(d.may_send(t0 + 73 * hour));
    EXPECT_EQ(d.published_state(), "regressed:" + std::to_string(t0 + 73 * hour));
    EXPECT_EQ(r.next_check_ms, t0 + 2 * hour);

    r = apply_check(d, all(fail, pass, pass), t0 + 10 * hour, cfg);  // still in grace
    EXPECT_EQ(d.state, domain_state::regressed);
    EXPECT_TRUE(r.events.empty());
    r = apply_check(d, all(fail, pass, pass), t0 + 73 * hour, cfg);
    EXPECT_EQ(d.state, domain_state::failed);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.blocked"});
    EXPECT_FALSE(d.may_send(t0 + 73 * hour));

    r = apply_check(d, all(pass, pass, pass), t0 + 80 * hour, cfg);
    EXPECT_EQ(d.state, domain_state::verified);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.verified"});
}

TEST(check, a_regressed_domain_that_passes_again_recovers) {
    domains_config cfg;
    auto d = pending();
    apply_check(d, all(pass, pass, pass), t0, cfg);
    apply_check(d, all(pass, fail, pass), t0 + hour, cfg);
    auto r = apply_check(d, all(pass, pass, pass), t0 + 2 * hour, cfg);
    EXPECT_EQ(d.state, domain_state::verified);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.recovered"});
    EXPECT_EQ(d.block_at_ms, 0);
}

TEST(check, a_published_next_key_takes_over_and_the_old_one_retires_after_the_grace) {
    domains_config cfg;
    cfg.rotate_grace_h = 48;
    auto d = pending();
    apply_check(d, all(pass, pass, pass), t0, cfg);
    d.selectors.push_back({.name = "hd202612a", .role = key_role::next});
    auto r = apply_check(d, all(pass, pass, pass, fail), t0 + hour, cfg);  // not yet published
    EXPECT_EQ(d.selectors[1].role, key_role::next);
    EXPECT_TRUE(r.events.empty());

    r = apply_check(d, all(pass, pass, pass, pass), t0 + 2 * hour, cfg);
    EXPECT_EQ(types(r), std::vector<std::string>{"domain.key_rotated"});
    EXPECT_EQ(d.selectors[0].role, key_role::retiring);
    EXPECT_EQ(d.selectors[0].retire_at_ms, t0 + 50 * hour);
    EXPECT_EQ(d.selectors[1].role, key_role::active);
    EXPECT_EQ(r.next_check_ms, t0 + 24 * hour + 2 * hour);

    // The retiring key's record may go once it is dropped; until then a
    // missing one does not matter (only active keys are required).
    r = apply_check(d, all(pass, pass, fail, pass), t0 + 50 * hour, cfg);
    ASSERT_EQ(d.selectors.size(), 1u);
    EXPECT_EQ(d.selectors[0].name, "hd202612a");
    EXPECT_EQ(d.state, domain_state::verified);
}

TEST(check, selectors_are_dated_and_never_reused) {
    const std::int64_t nov_2026 = 1'795'000'000'000;  // 2026-11-18
    std::vector<dkim_selector> taken;
    EXPECT_EQ(next_selector_name(nov_2026, taken), "hd202611a");
    taken.push_back({.name = "hd202611a"});
    taken.push_back({.name = "hd202611b"});
    EXPECT_EQ(next_selector_name(nov_2026, taken), "hd202611c");
}

}  // namespace
}  // namespace herald::domains
