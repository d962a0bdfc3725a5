// A sender domain's whole life on real parts: `herald domain` (the CLI as
// a tenant uses it) against the fixture's redis-server, its records
// published on a real DNS server (tests/support/dns_server), verification
// over c-ares, mail signed with the domain's own key and relayed to a real
// SMTP server, where python3-dkim checks the signature against the record
// in that DNS server; then rotation, regression, blocking and removal.
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
        std::ofstream(config_file)
            << process_config(2000) << "[domains]\nsending_ips = \"" << cfg.domains.sending_ips
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

}  // namespace
}  // namespace herald
