// A sender domain's whole life on real parts: `herald domain` (the CLI as
// a tenant uses it) against the fixture's redis-server, its records
// published on a real DNS server (tests/support/dns_server), verification
// over c-ares, mail signed with the domain's own key and relayed to a real
// SMTP server, where python3-dkim checks the signature against the record
// in that DNS server; then rotation, regression, blocking and removal.
#include "domains/describe.hpp"
#include "domains/rechecker.hpp"
#include "domains/sealed_key.hpp"
#include "domains/service.hpp"
#include "domains/signing_keys.hpp"
#include "queue/keys.hpp"
#include "smtp/transport.hpp"
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/dns_server.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/queue_fixture.hpp"
#include "tests/support/run.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>

namespace herald {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* k_master = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";  // 32 bytes
constexpr const char* k_domain = "mail.acme.test";

struct domain_lifecycle : test::queue_fixture {
    test::dns_server dns;
    test::scratch_dir dir{"herald-domains"};
    fs::path config_file = dir.path() / "herald.toml";

    void SetUp() override {
        test::queue_fixture::SetUp();
        ::setenv("HERALD_MASTER_KEY", k_master, 1);
        cfg.domains.sending_ips = "192.0.2.10";
        cfg.domains.dns_servers = dns.server();
        cfg.domains.grace_h = 0;  // a regression blocks at the next check
        // process_config ends in its [domains] table: these keys go in it.
        std::ofstream(config_file)
            << process_config(2000) << "sending_ips = \"" << cfg.domains.sending_ips
            << "\"\ndns_servers = \"" << dns.server() << "\"\ngrace_h = 0\n";
    }
    void TearDown() override { ::unsetenv("HERALD_MASTER_KEY"); }

    // `herald domain <args> --tenant acme --config <file>`: exit code and JSON.
    std::pair<int, json::value> domain_cli(std::vector<std::string> args,
                                           const std::string& tenant = "acme") {
        std::string cmd = std::string(HERALD_BIN) + " domain";
        for (const auto& a : args)
            cmd += " '" + a + "'";
        cmd += " --tenant " + tenant + " --config '" + config_file.string() + "' 2>&1";
        FILE* p = ::popen(cmd.c_str(), "r");
        std::string out;
        char buf[4096];
        while (auto n = std::fread(buf, 1, sizeof buf, p))
            out.append(buf, n);
        const int status = ::pclose(p);
        boost::system::error_code ec;
        auto v = json::parse(out, ec);
        EXPECT_FALSE(ec) << out;
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ec ? json::value() : v};
    }

    // Publishes the records `herald domain` printed (those marked required
    // and DMARC), as a tenant would in its zone.
    void publish(const json::value& domain) {
        for (const auto& r : domain.at("records").as_array()) {
            const auto& rec = r.as_object();
            std::vector<std::string> strings;
            for (const auto& s : rec.at("strings").as_array())
                strings.emplace_back(s.as_string());
            dns.publish({{std::string(rec.at("name").as_string()),
                          std::string(rec.at("type").as_string()), strings}});
        }
    }

    std::string state_of(const json::value& d) { return std::string(d.at("state").as_string()); }

    // Every captured message's signatures, checked by python3-dkim with the
    // keys it reads from the DNS server: {selector, verified} per signature.
    std::vector<std::pair<std::string, bool>> verify(const test::capture_server::message& m) {
        test::temp_file msg(m.content);
        auto r =
            test::run_python("domains/dkim_verify_dns.py", {dns.server(), msg.path().string()});
        EXPECT_EQ(r.exit_code, 0) << r.out;
        std::vector<std::pair<std::string, bool>> out;
        const auto parsed = json::parse(r.out);
        const auto& one = parsed.as_array().at(0).as_object();
        for (std::size_t i = 0; i < one.at("results").as_array().size(); ++i)
            out.emplace_back(std::string(one.at("selectors").as_array()[i].as_string()),
                             one.at("results").as_array()[i].as_bool());
        return out;
    }

    void use_relay(std::uint16_t port) {
        cfg.smtp.mode = "relay";
        cfg.smtp.relay_host = "127.0.0.1";
        cfg.smtp.relay_port = port;
        cfg.smtp.tls = "none";
        cfg.dkim.threads = 1;
    }

    std::size_t events_of(const std::string& type) {
        auto r =
            server.cmd({"XRANGE", queue::events_key(queue::shard_of("acme", q.shards)), "-", "+"});
        std::size_t n = 0;
        for (const auto& e : r.elements)
            for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
                if (e[1][i].str == "type" && e[1][i + 1].str == type) ++n;
        return n;
    }
};

TEST_F(domain_lifecycle, add_publish_verify_sign_rotate_regress_remove) {
    // add: pending, with the records to publish
    auto [rc, added] = domain_cli({"add", k_domain});
    ASSERT_EQ(rc, 0) << json::serialize(added);
    EXPECT_EQ(state_of(added), "pending");
    EXPECT_FALSE(added.at("may_send").as_bool());
    const auto& records = added.at("records").as_array();
    ASSERT_EQ(records.size(), 4u);  // ownership, SPF, DKIM, DMARC
    EXPECT_EQ(records[0].at("name").as_string(), "_herald.mail.acme.test");
    EXPECT_EQ(records[1].at("value").as_string(), "v=spf1 ip4:192.0.2.10 ~all");

    // verify before publishing: every required record fails, nothing changes
    auto [rc2, unpublished] = domain_cli({"verify", k_domain});
    ASSERT_EQ(rc2, 0);
    EXPECT_EQ(state_of(unpublished), "pending");
    for (const auto& v : unpublished.at("verdicts").as_array())
        if (v.at("record") != "dmarc") {
            EXPECT_EQ(v.at("status"), "fail") << json::serialize(v);
        }

    // publish and verify
    publish(added);
    auto [rc3, verified] = domain_cli({"verify", k_domain});
    ASSERT_EQ(rc3, 0);
    ASSERT_EQ(state_of(verified), "verified") << json::serialize(verified.at("verdicts"));
    EXPECT_TRUE(verified.at("may_send").as_bool());
    EXPECT_EQ(events_of("domain.verified"), 1u);
    const std::string first_selector(added.at("selectors").at(0).at("selector").as_string());

    // send: signed with the domain's own key, verified against DNS
    test::capture_server peer;
    use_relay(peer.port());
    domains::signing_keys keys(client, q.shards, domains::master_key::parse(k_master), clk);
    auto smtp = smtp::smtp_transport::create(ioc.get_executor(), cfg, client, clk, &keys);
    ASSERT_TRUE(smtp) << smtp.error().to_string();
    admit(
        "acme",
        R"({"from":"App <app@mail.acme.test>","to":["u@dest.example"],"subject":"one","text":"x"})");
    ASSERT_TRUE(run_worker(**smtp, [&] { return peer.messages().size() == 1; }));
    auto sigs = verify(peer.messages()[0]);
    ASSERT_EQ(sigs.size(), 1u);
    EXPECT_EQ(sigs[0], std::make_pair(first_selector, true));

    // rotate: a next key, published beside the current one; signing moves
    // to it once a check finds it, and the old key retires
    auto [rc4, rotating] = domain_cli({"rotate", k_domain});
    ASSERT_EQ(rc4, 0) << json::serialize(rotating);
    ASSERT_EQ(rotating.at("selectors").as_array().size(), 2u);
    const std::string second_selector(rotating.at("selectors").at(1).at("selector").as_string());
    EXPECT_EQ(rotating.at("selectors").at(1).at("role"), "next");
    auto [rc5, again] = domain_cli({"rotate", k_domain});
    EXPECT_EQ(rc5, 1);
    EXPECT_EQ(again.at("error").at("code"), "rotation_pending");
    publish(rotating);
    auto [rc6, rotated] = domain_cli({"verify", k_domain});
    ASSERT_EQ(rc6, 0);
    EXPECT_EQ(rotated.at("selectors").at(0).at("role"), "retiring");
    EXPECT_EQ(rotated.at("selectors").at(1).at("role"), "active");
    EXPECT_EQ(events_of("domain.key_rotated"), 1u);
    clk.advance(10'000);  // past the signing keys' refresh
    admit("acme",
          R"({"from":"app@mail.acme.test","to":["v@dest.example"],"subject":"two","text":"y"})");
    ASSERT_TRUE(run_worker(**smtp, [&] { return peer.messages().size() == 2; }));
    sigs = verify(peer.messages()[1]);
    ASSERT_EQ(sigs.size(), 1u);
    EXPECT_EQ(sigs[0], std::make_pair(second_selector, true));

    // regression: the ownership record goes; with grace_h = 0 the domain
    // is regressed and then blocked, and its queued mail is refused
    dns.remove("_herald.mail.acme.test");
    auto [rc7, regressed] = domain_cli({"verify", k_domain});
    ASSERT_EQ(rc7, 0);
    EXPECT_EQ(state_of(regressed), "failed");  // grace 0: blocked at once
    EXPECT_EQ(events_of("domain.regressed"), 1u);
    EXPECT_EQ(events_of("domain.blocked"), 1u);
    clk.advance(10'000);
    admit("acme",
          R"({"from":"app@mail.acme.test","to":["w@dest.example"],"subject":"three","text":"z"})");
    ASSERT_TRUE(run_worker(
        **smtp, [&] { return dead_count() == 1; }, std::chrono::seconds(15)));
    EXPECT_EQ(peer.messages().size(), 2u);
    EXPECT_TRUE(dead_letters().back()["detail"].starts_with("domain_not_verified"))
        << dead_letters().back()["detail"];

    // remove: gone from the list, its keys with it
    auto [rc8, removed] = domain_cli({"remove", k_domain});
    EXPECT_EQ(rc8, 0) << json::serialize(removed);
    auto [rc9, listed] = domain_cli({"list"});
    EXPECT_EQ(rc9, 0);
    EXPECT_TRUE(listed.at("domains").as_array().empty());
    EXPECT_EQ(
        count({"EXISTS", queue::domain_key(queue::shard_of("acme", q.shards), "acme", k_domain)}),
        0);
}

// Rechecks: a due domain is checked by one checker at a time (the lease),
// its next check is scheduled, and a regression found by a recheck is an
// event and blocks the domain's mail at admission.
TEST_F(domain_lifecycle, a_recheck_is_done_once_and_a_regression_blocks_admission) {
    set("acme", "domains.require_verified", "1");
    domains::service service(client, cfg, domains::master_key::parse(k_master), nullptr);
    dns::resolver resolver(ioc.get_executor(), {.servers = {dns.server()}});
    domains::service checking(client, cfg, domains::master_key::parse(k_master), &resolver);
    auto added = test::run(ioc, service.add("acme", k_domain, {}, clk.now_ms()));
    ASSERT_TRUE(added) << added.error().to_string();
    const std::string mail =
        R"({"from":"app@mail.acme.test","to":["u@dest.example"],"subject":"s","text":"t"})";
    auto refused = try_admit("acme", mail);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().name(), "domain_not_verified");

    domains::rechecker one(ioc.get_executor(), checking, q.shards, clk, {.holder = "one"});
    domains::rechecker two(ioc.get_executor(), checking, q.shards, clk, {.holder = "two"});
    // Due at once when added; while another checker holds its lease, not
    // this one's to do.
    const auto lease = queue::domain_lease_key(queue::shard_of("acme", q.shards), "acme", k_domain);
    server.cmd({"SET", lease, "elsewhere", "PX", "60000"});
    EXPECT_EQ(test::run(ioc, one.run_once()), 0u);
    server.cmd({"DEL", lease});
    EXPECT_EQ(test::run(ioc, one.run_once()), 1u);  // records not published yet: still pending
    EXPECT_EQ(test::run(ioc, two.run_once()), 0u);  // rescheduled an hour on

    auto described = domains::describe(*added, cfg.domains, clk.now_ms());
    ASSERT_TRUE(described);
    publish(json::value(*described));
    clk.advance(3'600'000);
    const auto by_one = test::run(ioc, one.run_once());
    const auto by_two = test::run(ioc, two.run_once());
    EXPECT_EQ(by_one + by_two, 1u) << "one check, not two";
    EXPECT_TRUE(try_admit("acme", mail)) << "verified by the recheck";

    dns.remove("_herald.mail.acme.test");
    clk.advance(24 * 3'600'000 + 1);
    EXPECT_EQ(test::run(ioc, one.run_once()), 1u);
    EXPECT_EQ(events_of("domain.regressed"), 1u);
    EXPECT_EQ(events_of("domain.blocked"), 1u);  // grace_h = 0
    auto blocked = try_admit("acme", mail);
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().name(), "domain_not_verified");
}

// At rest a private key is only ever sealed: the raw Redis value holds no
// key material; a worker with another master key refuses to sign (a clear
// error, never a signature made with garbage); a sealed key moved to
// another tenant's record of the same domain does not open there.
TEST_F(domain_lifecycle, keys_are_sealed_at_rest_and_open_only_for_their_owner) {
    domains::service service(client, cfg, domains::master_key::parse(k_master), nullptr);
    auto d = test::run(ioc, service.add("acme", k_domain, {}, clk.now_ms()));
    ASSERT_TRUE(d) << d.error().to_string();
    d->state = domains::domain_state::verified;
    ASSERT_TRUE(test::run(ioc, service.records().save(*d, {}, 0)));
    const auto& selector = d->selectors.at(0).name;
    const auto key = queue::domain_key(queue::shard_of("acme", q.shards), "acme", k_domain);
    const auto raw = server.cmd({"HGET", key, "key:" + selector}).str;
    ASSERT_FALSE(raw.empty());
    EXPECT_TRUE(raw.starts_with("hdk1:")) << raw.substr(0, 40);
    EXPECT_EQ(raw.find("PRIVATE KEY"), std::string::npos);
    auto pem =
        domains::unseal(*domains::master_key::parse(k_master), {"acme", k_domain, selector}, raw);
    ASSERT_TRUE(pem) << pem.error().to_string();
    const auto body_line = pem->substr(pem->find('\n') + 1, 64);  // the key's first base64 line
    EXPECT_EQ(raw.find(body_line), std::string::npos) << "no key material in the clear";
    EXPECT_EQ(server.cmd({"HGET", key, "doc"}).str.find("hdk1:"), std::string::npos);

    domains::signing_keys right(client, q.shards, domains::master_key::parse(k_master), clk);
    auto good = test::run(ioc, right.keys_for("acme", k_domain));
    ASSERT_TRUE(good) << good.error().to_string();
    ASSERT_EQ(good->keys.size(), 1u);
    EXPECT_EQ(good->keys[0].selector, selector);

    const char* other_master = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    domains::signing_keys wrong(client, q.shards, domains::master_key::parse(other_master), clk);
    auto refused = test::run(ioc, wrong.keys_for("acme", k_domain));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().name(), "key_unsealable");
    EXPECT_NE(refused.error().detail.find("sealed under master key"), std::string::npos);

    // Tenant "other" adds the same domain, then gets acme's sealed key
    // copied into its record: it never opens there.
    auto theirs = test::run(ioc, service.add("other", k_domain, {}, clk.now_ms()));
    ASSERT_TRUE(theirs) << theirs.error().to_string();
    theirs->state = domains::domain_state::verified;
    ASSERT_TRUE(test::run(ioc, service.records().save(*theirs, {}, 0)));
    const auto other_record =
        queue::domain_key(queue::shard_of("other", q.shards), "other", k_domain);
    server.cmd({"HSET", other_record, "key:" + theirs->selectors.at(0).name, raw});
    server.cmd({"HINCRBY", other_record, "v", "1"});
    auto stolen = test::run(ioc, right.keys_for("other", k_domain));
    ASSERT_FALSE(stolen);
    EXPECT_EQ(stolen.error().name(), "key_unsealable");
}

}  // namespace
}  // namespace herald
