// The SMTP transport in the worker, end to end on real servers: admitted
// messages are rendered, DKIM-signed (checked by python3-dkim), relayed to
// a capturing SMTP server; a 5.1.1 bounce suppresses the recipient for the
// tenant; a recipient deferred while another was accepted is retried alone;
// UTF-8 addresses go with SMTPUTF8, or only what is pure ASCII goes.
#include "smtp/transport.hpp"
#include "dkim/key.hpp"
#include "queue/keys.hpp"
#include "queue/suppressions.hpp"
#include "tests/dns/dnsmasq.hpp"
#include "tests/smtp/smtp_servers.hpp"
#include "tests/support/python_runner.hpp"
#include "tests/support/queue_fixture.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <set>

namespace herald {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string generate_rsa_pem() {
    const auto dir = fs::temp_directory_path() / ("herald-key-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto file = dir / "key.pem";
    const std::string cmd = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                            file.string() + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(file);
    std::string pem((std::istreambuf_iterator<char>(in)), {});
    fs::remove_all(dir);
    return pem;
}

struct transport_test : test::queue_fixture {
    test::scratch_dir keys{"herald-dkim"};
    std::string pem = generate_rsa_pem();

    void use_server(std::uint16_t port) {
        fs::create_directories(keys.path() / "example.com");
        std::ofstream(keys.path() / "example.com" / "s1.pem") << pem;
        cfg.smtp.mode = "relay";
        cfg.smtp.relay_host = "127.0.0.1";
        cfg.smtp.relay_port = port;
        cfg.smtp.tls = "none";
        cfg.dkim.keys_dir = keys.path().string();
        cfg.dkim.threads = 2;
    }
    std::unique_ptr<smtp::smtp_transport> make_transport() {
        auto t = smtp::smtp_transport::create(ioc.get_executor(), cfg, client, clk);
        EXPECT_TRUE(t) << t.error().to_string();
        return std::move(*t);
    }
    // Every captured message's DKIM signatures, verified independently.
    std::vector<bool> verify(const std::vector<test::capture_server::message>& msgs) {
        auto key = dkim::dkim_key::parse(pem);
        json::object records{{"s1._domainkey.example.com.", (*key)->dns_record()}};
        test::temp_file rec(json::serialize(records), "records.json");
        std::vector<std::unique_ptr<test::temp_file>> files;
        std::vector<std::string> args{rec.path().string()};
        for (const auto& m : msgs) {
            files.push_back(std::make_unique<test::temp_file>(m.content));
            args.push_back(files.back()->path().string());
        }
        auto r = test::run_python("dkim/dkim_verify.py", args);
        std::vector<bool> ok;
        const json::value parsed = json::parse(r.out);
        for (const auto& v : parsed.as_array()) {
            const auto& res = v.at("results").as_array();
            ok.push_back(!res.empty() &&
                         std::all_of(res.begin(), res.end(),
                                     [](const json::value& b) { return b.as_bool(); }));
        }
        return ok;
    }
};

TEST_F(transport_test, relays_dkim_signed_mail_from_the_queue) {
    test::capture_server peer({"--pipelining"});
    use_server(peer.port());
    auto smtp = make_transport();
    std::vector<message_id> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(admit("acme", R"({"from":"Shop <app@example.com>","to":["u)" +
                                        std::to_string(i) + R"(@dest.example"],"subject":"Grüße )" +
                                        std::to_string(i) +
                                        R"(","text":"héllo\n.line starting with a dot"})"));
    ASSERT_TRUE(run_worker(
        *smtp, [&] { return peer.messages().size() == 3 && total_len(channel::email) == 0; }));
    auto msgs = peer.messages();
    for (bool ok : verify(msgs))
        EXPECT_TRUE(ok) << "DKIM signature verified by python3-dkim";
    for (std::size_t i = 0; i < msgs.size(); ++i)
        EXPECT_NE(msgs[i].content.find("@example.com>"), std::string::npos);
    bool ids_found = true;
    for (const auto& id : ids) {
        ids_found = ids_found && std::any_of(msgs.begin(), msgs.end(), [&](const auto& m) {
                        return m.content.find("Message-ID: <" + id.str() + "@example.com>") !=
                               std::string::npos;
                    });
    }
    EXPECT_TRUE(ids_found) << msgs[0].content.substr(0, 600);
    EXPECT_EQ(smtp->stats().transactions, 3u);
    EXPECT_LE(smtp->stats().connections_opened, 3u);
}

TEST_F(transport_test, a_511_bounce_suppresses_the_recipient_for_the_tenant) {
    test::capture_server peer({"--reject", "gone@dest.example=550 5.1.1 no such user"});
    use_server(peer.port());
    auto smtp = make_transport();
    admit("acme",
          R"({"from":"app@example.com","to":["gone@dest.example"],"subject":"one","text":"x"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 1; }));
    EXPECT_EQ(dead_letters().back()["reason"], "bounced");
    const auto key =
        queue::shard_prefix(queue::shard_of("acme", q.shards)) + ":supp:acme:gone@dest.example";
    EXPECT_GT(count({"TTL", key}), 0) << "suppressed, with a TTL";
    // Indexed in the same call, so the API lists it.
    auto listed = test::run(ioc, queue::list_suppressions(client, q.shards, "acme", "", 10));
    ASSERT_TRUE(listed) << listed.error().to_string();
    ASSERT_EQ(listed->items.size(), 1u);
    EXPECT_EQ(listed->items[0].recipient, "gone@dest.example");
    EXPECT_NE(listed->items[0].reason.find("550 5.1.1"), std::string::npos)
        << listed->items[0].reason;
    const auto before = smtp->stats().transactions;
    admit("acme",
          R"({"from":"app@example.com","to":["gone@DEST.example"],"subject":"two","text":"y"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 2; }));
    EXPECT_EQ(dead_letters().back()["reason"], "bounced");
    EXPECT_NE(dead_letters().back()["detail"].find("suppress"), std::string::npos);
    EXPECT_EQ(smtp->stats().transactions, before) << "not sent again";
    // Another tenant may still write to that address.
    admit("globex",
          R"({"from":"app@example.com","to":["gone@dest.example"],"subject":"three","text":"z"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 3; }));
    EXPECT_EQ(smtp->stats().transactions, before + 1);
}

TEST_F(transport_test, a_deferred_recipient_is_retried_alone) {
    test::capture_server peer({"--reject", "later@dest.example=451 4.2.1 mailbox busy"});
    use_server(peer.port());
    auto smtp = make_transport();
    auto id = admit(
        "acme",
        R"({"from":"app@example.com","to":["now@dest.example","later@dest.example"],"subject":"s","text":"t"})");
    const auto prefix = queue::shard_prefix(id.shard);
    auto attempts = [&] {
        auto rec = server.cmd({"HGET", prefix + ":deferred", id.str()});
        if (rec.is_nil()) return 0;
        return std::stoi(std::string(json::parse(rec.str).at("attempt").as_string()));
    };
    ASSERT_TRUE(run_worker(*smtp, [&] { return attempts() == 1; }));
    ASSERT_EQ(peer.messages().size(), 1u) << "now@ accepted on the first attempt";
    EXPECT_EQ(count({"SCARD", queue::sent_key(id.shard, id.str())}), 1);
    clk.advance(60'000);  // past the first backoff (at most 1 min), within max age
    ASSERT_TRUE(run_worker(*smtp, [&] { return attempts() == 2; }));
    // Had now@ been in the second transaction, its DATA would be captured.
    EXPECT_EQ(peer.messages().size(), 1u) << "the retry went to later@ alone";
}

// The drill: a relay refuses every MAIL with 451, then answers 421 to every
// connection, then recovers. Nothing dies, every message arrives once, and
// the transactions and connections made during the outage stay within
// failures + sends in flight + one probe per suspension.
TEST_F(transport_test, a_destination_outage_delays_mail_but_never_kills_it) {
    test::capture_server peer({"--pipelining"});
    use_server(peer.port());
    cfg.smtp.destination_failures = 3;
    cfg.smtp.destination_suspend_ms = 400;
    cfg.smtp.destination_suspend_max_ms = 1600;
    cfg.smtp.max_connections = 2;
    cfg.smtp.idle_timeout_ms = 100;  // the greeting outage meets new connections
    q.inflight = 4;
    q.backoff_base_ms = 200;
    q.backoff_cap_ms = 800;
    auto smtp = make_transport();
    const auto outage = peer.dir() / "outage";
    std::ofstream(outage) << "mail";
    constexpr int k_messages = 40;
    for (int i = 0; i < k_messages; ++i)
        admit("acme", test::email_json("u" + std::to_string(i) + "@dest.example",
                                       "drill " + std::to_string(i)));

    const auto start = std::chrono::steady_clock::now();
    const millis t0 = clk.now_ms();
    std::int64_t refused = -1;
    bool greeting = false;
    const bool done = run_worker(
        *smtp,
        [&] {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
            clk.set(t0 + ms);  // the queue's and the health's clock follow real time
            if (!greeting && ms > 1500) {
                std::ofstream(outage) << "greeting";
                greeting = true;
            }
            if (refused < 0 && ms > 4500) {
                refused = peer.state_value("refused");
                std::filesystem::remove(outage);
            }
            return refused >= 0 && peer.state_value("messages") >= k_messages &&
                   total_len(channel::email) == 0 && retry_len() == 0;
        },
        std::chrono::seconds(40));
    ASSERT_TRUE(done) << "delivered " << peer.state_value("messages") << " of " << k_messages;
    EXPECT_EQ(dead_count(), 0);
    std::set<std::string> subjects;
    for (const auto& m : peer.messages()) {
        const auto at = m.content.find("Subject: drill ");
        ASSERT_NE(at, std::string::npos);
        subjects.insert(m.content.substr(at, m.content.find("\r\n", at) - at));
    }
    EXPECT_EQ(peer.messages().size(), static_cast<std::size_t>(k_messages)) << "one copy each";
    EXPECT_EQ(subjects.size(), static_cast<std::size_t>(k_messages));
    // 3 failures, then at most 4 sends already in flight, then one probe per
    // suspension (400, 800, 1600, 1600 ms cover the 4.5 s): 12; without the
    // health, 40 messages retrying every 0.1-0.8 s would make hundreds.
    EXPECT_GT(refused, 0);
    EXPECT_LE(refused, 3 + 4 + 5) << "refused transactions and connections in the outage";
    EXPECT_GT(peer.state_value("refused_greetings"), 0) << "the 421 phase was exercised";
    std::cout << "[ measure  ] " << refused << " refused during the outage\n";
}

// Greylisting one recipient is that recipient's deferral: however many
// messages meet it, the destination stays open for the others.
TEST_F(transport_test, a_recipient_4xx_never_suspends_the_destination) {
    test::capture_server peer({"--reject", "grey@dest.example=451 4.7.1 greylisted"});
    use_server(peer.port());
    cfg.smtp.destination_failures = 2;
    auto smtp = make_transport();
    constexpr int k_messages = 6;
    for (int i = 0; i < k_messages; ++i)
        admit("acme", i % 2 ? test::email_json("grey@dest.example", "g" + std::to_string(i))
                            : test::email_json("ok" + std::to_string(i) + "@dest.example"));
    ASSERT_TRUE(run_worker(*smtp, [&] { return total_len(channel::email) == 0; }));
    EXPECT_EQ(peer.messages().size(), static_cast<std::size_t>(k_messages / 2));
    EXPECT_EQ(count({"EXISTS",
                     queue::destination_health_key("127.0.0.1:" + std::to_string(peer.port()))}),
              0);
    for (const auto& e :
         server.cmd({"XRANGE", queue::events_key(queue::shard_of("acme", q.shards)), "-", "+"})
             .elements)
        for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
            EXPECT_NE(e[1][i + 1].str, "destination.suspended");
}

TEST_F(transport_test, no_answer_after_the_final_dot_is_unknown_and_never_resent_by_default) {
    test::capture_server peer({"--hang-after-dot"});
    use_server(peer.port());
    cfg.smtp.final_dot_timeout_ms = 300;
    auto smtp = make_transport();
    auto id = admit(
        "acme", R"({"from":"app@example.com","to":["u@dest.example"],"subject":"s","text":"t"})");
    const auto prefix = queue::shard_prefix(id.shard);
    ASSERT_TRUE(run_worker(*smtp, [&] {
        return count({"EXISTS", prefix + ":done:" + id.str()}) == 1;
    }));
    EXPECT_EQ(count({"ZCARD", prefix + ":retry"}), 0) << "not resent";
    auto events = server.cmd({"XRANGE", queue::events_key(id.shard), "-", "+"});
    bool recorded = false;
    for (const auto& e : events.elements)
        for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
            recorded = recorded || e[1][i + 1].str == "delivery.unknown";
    EXPECT_TRUE(recorded) << "an event records the unknown outcome";
    // A tenant that prefers a possible duplicate to a possible loss.
    server.cmd({"FCALL", "herald_settings", "1", prefix, "set", "acme", "smtp.unknown_outcome",
                "deferred"});
    auto second = admit(
        "acme", R"({"from":"app@example.com","to":["v@dest.example"],"subject":"s2","text":"t"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return count({"ZCARD", prefix + ":retry"}) == 1; }));
    EXPECT_EQ(count({"EXISTS", prefix + ":done:" + second.str()}), 0);
}

// RFC 6531/6532: a UTF-8 sender and recipient, signed, relayed to a peer
// that offers SMTPUTF8; the signature still verifies over the UTF-8 fields.
TEST_F(transport_test, utf8_addresses_go_signed_to_a_peer_offering_smtputf8) {
    test::capture_server peer({"--smtputf8"});
    use_server(peer.port());
    auto smtp = make_transport();
    admit(
        "acme",
        R"({"from":"Zoë <zoë@example.com>","to":["Jürgen <jürgen@dest.example>"],"cc":["ann@dest.example"],"subject":"Grüße","text":"héllo"})");
    ASSERT_TRUE(run_worker(
        *smtp, [&] { return peer.messages().size() == 1 && total_len(channel::email) == 0; }));
    auto msgs = peer.messages();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(verify(msgs), std::vector<bool>{true}) << "DKIM verified by python3-dkim";
    EXPECT_NE(msgs[0].content.find("\r\nFrom: =?UTF-8?Q?Zo=C3=AB?= <zoë@example.com>\r\n"),
              std::string::npos)
        << msgs[0].content.substr(0, 600);
    EXPECT_NE(msgs[0].content.find("<jürgen@dest.example>\r\n"), std::string::npos);
    EXPECT_TRUE(msgs[0].meta.at("smtputf8").as_bool());
    EXPECT_EQ(msgs[0].meta.at("mail_from").as_string(), "zoë@example.com");
    EXPECT_EQ(json::serialize(msgs[0].meta.at("rcpt_tos")),
              json::serialize(json::array{"jürgen@dest.example", "ann@dest.example"}));
}

// A peer without SMTPUTF8: a UTF-8 Bcc bounces while the ASCII recipient
// gets the (pure ASCII) message; UTF-8 in the header fields bounces it all.
TEST_F(transport_test, without_smtputf8_only_what_is_pure_ascii_is_sent) {
    test::capture_server peer({"--no-smtputf8"});
    use_server(peer.port());
    auto smtp = make_transport();
    auto id = admit(
        "acme",
        R"({"from":"app@example.com","to":["ann@dest.example"],"bcc":["jürgen@dest.example"],"subject":"s","text":"t"})");
    const auto prefix = queue::shard_prefix(id.shard);
    ASSERT_TRUE(run_worker(*smtp, [&] {
        return count({"EXISTS", prefix + ":done:" + id.str()}) == 1;
    }));
    auto msgs = peer.messages();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(json::serialize(msgs[0].meta.at("rcpt_tos")), R"(["ann@dest.example"])");
    EXPECT_FALSE(msgs[0].meta.at("smtputf8").as_bool());
    EXPECT_EQ(count({"ZCARD", prefix + ":retry"}), 0) << "the UTF-8 Bcc is not retried";
    EXPECT_TRUE(dead_letters().empty());

    admit(
        "acme",
        R"({"from":"app@example.com","to":["jürgen@dest.example","ann@dest.example"],"subject":"s","text":"t"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 1; }));
    auto dead = dead_letters().back();
    EXPECT_EQ(dead["reason"], "bounced");
    EXPECT_NE(dead["detail"].find("SMTPUTF8"), std::string::npos) << dead["detail"];
    EXPECT_EQ(peer.messages().size(), 1u) << "nothing more reached the peer";
}

// Direct mode: the recipients' MX from a real DNS server (dnsmasq), tried
// in preference order; a host that refuses connections is skipped; MX
// hosts on loopback are refused unless allowed (a mail-loop guard).
struct direct_test : transport_test {
    test::capture_server peer;
    void use_dns(const test::dnsmasq& dns, bool allow_private) {
        use_server(peer.port());
        cfg.smtp.mode = "direct";
        cfg.smtp.direct_port = peer.port();
        cfg.smtp.dns_servers = dns.server();
        cfg.smtp.allow_private = allow_private ? 1 : 0;
    }
};

TEST_F(direct_test, tries_mx_hosts_in_preference_order) {
    // mx0 (preference 5) has an address where nothing listens.
    test::dnsmasq dns(
        {"--mx-host=dest.test,mx0.dest.test,5", "--mx-host=dest.test,mx1.dest.test,10",
         "--host-record=mx0.dest.test,127.0.0.2", "--host-record=mx1.dest.test,127.0.0.1"});
    use_dns(dns, true);
    auto smtp = make_transport();
    admit("acme",
          R"({"from":"app@example.com","to":["u@dest.test"],"subject":"direct","text":"x"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return peer.messages().size() == 1; }));
    EXPECT_EQ(peer.messages().front().meta.at("rcpt_tos").as_array().size(), 1u);
    EXPECT_EQ(smtp->stats().connections_failed, 1u) << "mx0 (preference 5) was tried first";
}

TEST_F(direct_test, refuses_a_loopback_mx_unless_allowed) {
    test::dnsmasq dns(
        {"--mx-host=dest.test,mx1.dest.test,10", "--host-record=mx1.dest.test,127.0.0.1"});
    use_dns(dns, false);
    auto smtp = make_transport();
    admit("acme", R"({"from":"app@example.com","to":["u@dest.test"],"subject":"loop","text":"x"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 1; }));
    EXPECT_NE(dead_letters().front()["detail"].find("loop"), std::string::npos)
        << dead_letters().front()["detail"];
    EXPECT_TRUE(peer.messages().empty());
}

// One domain's MX accepts, the other's never answers the final dot, and
// the tenant turns unknown outcomes into retries: the retry goes to the
// unknown recipient alone, because the accepted one was recorded.
TEST_F(direct_test, a_recipient_accepted_beside_an_unknown_one_is_not_sent_again) {
    test::capture_server hang(
        {"--hang-after-dot", "--host", "127.0.0.2", "--port", std::to_string(peer.port())});
    test::dnsmasq dns(
        {"--mx-host=dest.test,mx1.dest.test,10", "--host-record=mx1.dest.test,127.0.0.1",
         "--mx-host=slow.test,mx1.slow.test,10", "--host-record=mx1.slow.test,127.0.0.2"});
    use_dns(dns, true);
    cfg.smtp.final_dot_timeout_ms = 300;
    auto smtp = make_transport();
    set("acme", "smtp.unknown_outcome", "deferred");
    auto id = admit(
        "acme",
        R"({"from":"app@example.com","to":["a@dest.test","b@slow.test"],"subject":"s","text":"t"})");
    const auto prefix = queue::shard_prefix(id.shard);
    ASSERT_TRUE(run_worker(*smtp, [&] { return count({"ZCARD", prefix + ":retry"}) == 1; }));
    ASSERT_EQ(peer.messages().size(), 1u);
    EXPECT_EQ(count({"SISMEMBER", queue::sent_key(id.shard, id.str()), "a@dest.test"}), 1);
    clk.advance(60'000);  // past the first backoff, within max age
    ASSERT_TRUE(run_worker(*smtp, [&] { return hang.state_value("handed") == 2; }));
    EXPECT_EQ(peer.messages().size(), 1u) << "a@dest.test was sent again";
}

TEST_F(direct_test, an_unknown_domain_bounces) {
    test::dnsmasq dns(
        {"--mx-host=dest.test,mx1.dest.test,10", "--host-record=mx1.dest.test,127.0.0.1"});
    use_dns(dns, true);
    auto smtp = make_transport();
    admit("acme",
          R"({"from":"app@example.com","to":["u@nowhere.test"],"subject":"nx","text":"x"})");
    ASSERT_TRUE(run_worker(*smtp, [&] { return dead_count() == 1; }));
    EXPECT_EQ(dead_letters().front()["reason"], "bounced");
}

}  // namespace
}  // namespace herald
