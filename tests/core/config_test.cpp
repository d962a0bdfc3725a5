#include "core/config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace herald {
namespace {

namespace fs = std::filesystem;

// A TOML file that exists for one test.
class temp_file {
public:
    explicit temp_file(const std::string& text) {
        static std::atomic<int> counter{0};
        path_ = (fs::temp_directory_path() / ("herald_config_test_" + std::to_string(getpid()) +
                                              "_" + std::to_string(counter++) + ".toml"))
                    .string();
        std::ofstream(path_, std::ios::binary) << text;
    }
    ~temp_file() { fs::remove(path_); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Tests never read the real environment: a HERALD_* variable set on the
// machine must not change their outcome.
const char* no_env(const char*) {
    return nullptr;
}

std::function<const char*(const char*)> fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}

config_load load_text(const temp_file& f) {
    return load_config(f.path(), no_env);
}

// The line of a "file:line:col" location, or 0.
int line_of(const config_problem& p, const temp_file& f) {
    if (p.where.rfind(f.path() + ":", 0) != 0) return 0;
    return std::stoi(p.where.substr(f.path().size() + 1));
}

std::string all(const config_load& r) {
    std::string s;
    for (const auto& p : r.problems)
        s += p.where + ": " + p.message + "\n";
    return s;
}

// Expects exactly one problem, on `line`, whose message contains `text`.
void expect_one(const char* toml, int line, const std::string& text) {
    temp_file f(toml);
    const auto r = load_text(f);
    ASSERT_EQ(r.problems.size(), 1u) << toml << "\n" << all(r);
    EXPECT_EQ(line_of(r.problems[0], f), line) << all(r);
    EXPECT_NE(r.problems[0].message.find(text), std::string::npos) << all(r);
}

// ---------------------------------------------------------------------------

TEST(config, defaults_without_a_file) {
    const auto r = load_config("", no_env);
    ASSERT_TRUE(r.ok()) << all(r);
    const config d;
    EXPECT_EQ(r.cfg.redis.url, "");
    EXPECT_EQ(r.cfg.redis.timeout_ms, 5000u);
    EXPECT_EQ(r.cfg.queue.shards, 16u);
    EXPECT_EQ(r.cfg.queue.max_message_bytes, 10485760u);
    EXPECT_EQ(r.cfg.transport.kind, "capture");
    EXPECT_EQ(r.cfg.local.port, 6390);
    EXPECT_EQ(r.cfg.log.level, "info");
    EXPECT_EQ(describe(r.cfg), describe(d));
}

TEST(config, empty_file_is_defaults) {
    temp_file f("# nothing here\n");
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(describe(r.cfg), describe(config{}));
}

TEST(config, full_valid_file) {
    temp_file f(R"([redis]
url = "redis://127.0.0.1:7000/0"
timeout_ms = 4000
connect_timeout_ms = 1500

[queue]
shards = 64
batch = 50
block_ms = 100
inflight = 512
lease_ms = 20000
renew_interval_ms = 1500
reclaim_idle_ms = 40000
reclaim_interval_ms = 1000
schedule_interval_ms = 100
max_attempts = 5
backoff_base_ms = 500
backoff_cap_ms = 60000
max_age_s = 3600
delivered_ttl_s = 7200
dead_max = 10
max_message_bytes = 1048576
drain_timeout_ms = 3000

[transport]
kind = "capture"
capture_dir = "/tmp/cap"

[local]
data_dir = "/tmp/redis"
port = 7000
redis_server = "/usr/bin/redis-server"

[log]
level = "debug"
format = "json"
)");
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    const auto& c = r.cfg;
    EXPECT_EQ(c.redis.url, "redis://127.0.0.1:7000/0");
    EXPECT_EQ(c.redis.timeout_ms, 4000u);
    EXPECT_EQ(c.queue.renew_interval_ms, 1500u);
    EXPECT_EQ(c.redis.connect_timeout_ms, 1500u);
    EXPECT_EQ(c.queue.shards, 64u);
    EXPECT_EQ(c.queue.batch, 50u);
    EXPECT_EQ(c.queue.block_ms, 100u);
    EXPECT_EQ(c.queue.inflight, 512u);
    EXPECT_EQ(c.queue.lease_ms, 20000u);
    EXPECT_EQ(c.queue.reclaim_idle_ms, 40000u);
    EXPECT_EQ(c.queue.reclaim_interval_ms, 1000u);
    EXPECT_EQ(c.queue.schedule_interval_ms, 100u);
    EXPECT_EQ(c.queue.max_attempts, 5u);
    EXPECT_EQ(c.queue.backoff_base_ms, 500u);
    EXPECT_EQ(c.queue.backoff_cap_ms, 60000u);
    EXPECT_EQ(c.queue.max_age_s, 3600u);
    EXPECT_EQ(c.queue.delivered_ttl_s, 7200u);
    EXPECT_EQ(c.queue.dead_max, 10u);
    EXPECT_EQ(c.queue.max_message_bytes, 1048576u);
    EXPECT_EQ(c.queue.drain_timeout_ms, 3000u);
    EXPECT_EQ(c.transport.kind, "capture");
    EXPECT_EQ(c.transport.capture_dir, "/tmp/cap");
    EXPECT_EQ(c.local.data_dir, "/tmp/redis");
    EXPECT_EQ(c.local.port, 7000);
    EXPECT_EQ(c.local.redis_server, "/usr/bin/redis-server");
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.log.format, "json");
}

TEST(config, dotted_keys_work_like_sections) {
    temp_file f("queue.shards = 4\nlog.format = \"json\"\n");
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.queue.shards, 4u);
    EXPECT_EQ(r.cfg.log.format, "json");
}

TEST(config, missing_file) {
    const auto r = load_config("/nonexistent/herald.toml", no_env);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].where, "/nonexistent/herald.toml");
    EXPECT_NE(r.problems[0].message.find("cannot open"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Each kind of problem, with its line.

TEST(config, syntax_error_has_line_and_column) {
    temp_file f("[queue]\nshards = 4\nbatch = = 3\n");
    const auto r = load_text(f);
    ASSERT_EQ(r.problems.size(), 1u) << all(r);
    EXPECT_EQ(line_of(r.problems[0], f), 3);
    // "file:line:col" with a real column.
    const auto& w = r.problems[0].where;
    EXPECT_GT(std::stoi(w.substr(w.rfind(':') + 1)), 0) << w;
    EXPECT_EQ(r.cfg.queue.shards, 16u) << "nothing applied from a broken file";
}

TEST(config, unterminated_string_is_a_syntax_error) {
    expect_one("[log]\n\nlevel = \"info\n", 3, "");
}

TEST(config, unknown_section) {
    expect_one("[queue]\nshards = 2\n\n[qeueu]\nx = 1\n", 4, "qeueu");
}

TEST(config, unknown_top_level_key) {
    expect_one("verbose = true\n", 1, "verbose");
}

TEST(config, unknown_key) {
    expect_one("[queue]\nshards = 2\nshard = 3\n", 3, "queue.shard");
}

TEST(config, unknown_subtable) {
    expect_one("[queue]\nshards = 2\n[queue.extra]\na = 1\n", 3, "queue.extra");
}

TEST(config, wrong_type_string_for_integer) {
    expect_one("[queue]\n\nshards = \"16\"\n", 3, "must be an integer");
}

TEST(config, wrong_type_float_for_integer) {
    expect_one("[redis]\ntimeout_ms = 1.5\n", 2, "must be an integer");
}

TEST(config, wrong_type_integer_for_string) {
    expect_one("[log]\nformat = \"kv\"\nlevel = 3\n", 3, "must be a string");
}

TEST(config, wrong_type_section_not_a_table) {
    expect_one("log = \"debug\"\n", 1, "must be a table");
}

TEST(config, out_of_range_values) {
    expect_one("[queue]\nshards = 0\n", 2, "out of range 1..16384");
    expect_one("[queue]\nshards = 16385\n", 2, "out of range 1..16384");
    expect_one("[queue]\nbatch = 10001\n", 2, "out of range 1..10000");
    expect_one("[queue]\ninflight = 0\n", 2, "queue.inflight");
    expect_one("[queue]\nmax_attempts = -1\n", 2, "-1 is out of range");
    expect_one("[local]\nport = 0\n", 2, "out of range 1..65535");
    expect_one("[local]\nport = 65536\n", 2, "out of range 1..65535");
}

TEST(config, integers_too_big_for_the_field_are_not_truncated) {
    // 2^32 + 200 would become 200 if truncated to 32 bits.
    temp_file f("[queue]\nblock_ms = 4294967496\n");
    const auto r = load_text(f);
    ASSERT_EQ(r.problems.size(), 1u) << all(r);
    EXPECT_EQ(line_of(r.problems[0], f), 2);
    EXPECT_NE(r.problems[0].message.find("out of range 1..4294967295"), std::string::npos);
    EXPECT_EQ(r.cfg.queue.block_ms, 200u);
}

TEST(config, sixty_four_bit_fields_take_large_values) {
    temp_file f("[queue]\nmax_age_s = 9000000000\n");
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.queue.max_age_s, 9000000000u);
}

TEST(config, lease_must_be_below_reclaim_idle) {
    expect_one("[queue]\nreclaim_idle_ms = 30000\nlease_ms = 30000\n", 3, "queue.lease_ms");
}

TEST(config, lease_must_outlast_three_renewal_rounds_at_the_redis_timeout) {
    // 3 x (2000 + 8000) = 30000 is not below the default lease of 30000.
    expect_one("[redis]\ntimeout_ms = 8000\n", 2,
               "3 x (queue.renew_interval_ms + redis.timeout_ms) (3 x (2000 + 8000) = 30000) "
               "must be less than queue.lease_ms (30000)");
    expect_one("[queue]\nlease_ms = 50000\nreclaim_idle_ms = 90000\nrenew_interval_ms = 12000\n", 4,
               "a live worker's lease could lapse");
}

TEST(config, renewals_must_come_slower_than_the_scheduler_ticks) {
    expect_one("[queue]\nschedule_interval_ms = 2000\n", 2, "queue.renew_interval_ms (2000)");
}

TEST(config, idle_consumers_are_removed_only_after_the_reclaim_idle_time) {
    expect_one("[queue]\nconsumer_idle_ms = 60000\n", 2, "queue.consumer_idle_ms (60000)");
    expect_one("[queue]\nconsumer_idle_ms = 0\n", 2, "out of range 1..");
    temp_file ok("[queue]\nconsumer_idle_ms = 60001\n");
    const auto r = load_text(ok);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.queue.consumer_idle_ms, 60001u);
    EXPECT_EQ(load_config("", no_env).cfg.queue.consumer_idle_ms, 3600000u) << "one hour";
}

TEST(config, backoff_base_at_most_cap) {
    expect_one("[queue]\nbackoff_base_ms = 5000\nbackoff_cap_ms = 4000\n", 2,
               "queue.backoff_base_ms");
    temp_file equal("[queue]\nbackoff_base_ms = 4000\nbackoff_cap_ms = 4000\n");
    EXPECT_TRUE(load_text(equal).ok());
}

TEST(config, block_must_be_below_redis_timeout) {
    expect_one("[queue]\nblock_ms = 6000\n", 2, "redis.timeout_ms");
}

TEST(config, choices) {
    expect_one("[transport]\nkind = \"sms\"\n", 2, "one of: capture");
    expect_one("[log]\nlevel = \"verbose\"\n", 2, "one of: debug, info, warn, error");
    expect_one("[log]\nformat = \"xml\"\n", 2, "one of: kv, json");
}

TEST(config, paths_must_not_be_empty) {
    expect_one("[transport]\ncapture_dir = \"\"\n", 2, "must not be empty");
    expect_one("[local]\nredis_server = \"\"\n", 2, "must not be empty");
}

TEST(config, every_problem_is_reported_in_file_order) {
    temp_file f(R"([queue]
shards = 0
zzz = 1
batch = "many"

[log]
level = "loud"

[nope]
port = 1
)");
    const auto r = load_text(f);
    ASSERT_EQ(r.problems.size(), 5u) << all(r);
    const int lines[] = {2, 3, 4, 7, 9};
    for (std::size_t i = 0; i < 5; ++i)
        EXPECT_EQ(line_of(r.problems[i], f), lines[i]) << all(r);
    // Valid keys around the bad ones still apply; bad ones keep defaults.
    EXPECT_EQ(r.cfg.queue.shards, 16u);
    EXPECT_EQ(r.cfg.log.level, "info");
}

// ---------------------------------------------------------------------------
// Environment.

TEST(config, env_overrides_defaults_and_file) {
    temp_file f("[queue]\nshards = 4\nbatch = 10\n");
    const auto r = load_config(f.path(), fake_env({
                                             {"HERALD_QUEUE_SHARDS", "32"},
                                             {"HERALD_REDIS_URL", "redis://:pw@db:6379"},
                                             {"HERALD_LOG_FORMAT", "json"},
                                             {"HERALD_LOCAL_PORT", "7001"},
                                             {"HERALD_QUEUE_MAX_AGE_S", "18446744073709551615"},
                                         }));
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.queue.shards, 32u);
    EXPECT_EQ(r.cfg.queue.batch, 10u) << "file value kept when no variable";
    EXPECT_EQ(r.cfg.redis.url, "redis://:pw@db:6379");
    EXPECT_EQ(r.cfg.log.format, "json");
    EXPECT_EQ(r.cfg.local.port, 7001);
    EXPECT_EQ(r.cfg.queue.max_age_s, 18446744073709551615u);
}

TEST(config, env_fixes_a_file_value_only_after_reporting_it) {
    // The file's bad value is still a problem even if env overrides it:
    // the file is wrong and should be fixed.
    temp_file f("[queue]\nshards = 0\n");
    const auto r = load_config(f.path(), fake_env({{"HERALD_QUEUE_SHARDS", "8"}}));
    ASSERT_EQ(r.problems.size(), 1u) << all(r);
    EXPECT_EQ(r.cfg.queue.shards, 8u);
}

TEST(config, bad_env_values_name_the_variable) {
    const auto r = load_config("", fake_env({
                                       {"HERALD_QUEUE_SHARDS", "abc"},
                                       {"HERALD_QUEUE_BATCH", "-5"},
                                       {"HERALD_QUEUE_INFLIGHT", "12x"},
                                       {"HERALD_QUEUE_DEAD_MAX", ""},
                                       {"HERALD_QUEUE_MAX_AGE_S", "99999999999999999999999"},
                                       {"HERALD_LOCAL_PORT", "70000"},
                                       {"HERALD_LOG_LEVEL", "loud"},
                                       {"HERALD_TRANSPORT_CAPTURE_DIR", ""},
                                   }));
    std::map<std::string, std::string> by_var;
    for (const auto& p : r.problems)
        by_var[p.where] = p.message;
    ASSERT_EQ(by_var.size(), 8u) << all(r);
    EXPECT_NE(by_var["env HERALD_QUEUE_SHARDS"].find("not an unsigned integer"), std::string::npos);
    EXPECT_NE(by_var["env HERALD_QUEUE_BATCH"].find("not an unsigned integer"), std::string::npos);
    EXPECT_NE(by_var["env HERALD_QUEUE_INFLIGHT"].find("not an unsigned integer"),
              std::string::npos);
    EXPECT_NE(by_var["env HERALD_QUEUE_DEAD_MAX"].find("not an unsigned integer"),
              std::string::npos);
    EXPECT_NE(by_var["env HERALD_QUEUE_MAX_AGE_S"].find("out of range"), std::string::npos);
    EXPECT_NE(by_var["env HERALD_LOCAL_PORT"].find("out of range 1..65535"), std::string::npos);
    EXPECT_NE(by_var["env HERALD_LOG_LEVEL"].find("one of"), std::string::npos);
    EXPECT_NE(by_var["env HERALD_TRANSPORT_CAPTURE_DIR"].find("must not be empty"),
              std::string::npos);
    EXPECT_EQ(describe(r.cfg), describe(config{})) << "no bad value applied";
}

TEST(config, env_can_empty_the_redis_url) {
    temp_file f("[redis]\nurl = \"redis://db:6379\"\n");
    const auto r = load_config(f.path(), fake_env({{"HERALD_REDIS_URL", ""}}));
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.redis.url, "");
}

TEST(config, cross_key_rule_points_at_the_env_variable) {
    const auto r = load_config("", fake_env({{"HERALD_QUEUE_LEASE_MS", "90000"}}));
    ASSERT_EQ(r.problems.size(), 1u) << all(r);
    EXPECT_EQ(r.problems[0].where, "env HERALD_QUEUE_LEASE_MS");
    EXPECT_NE(r.problems[0].message.find("queue.reclaim_idle_ms"), std::string::npos);
}

// ---------------------------------------------------------------------------
// describe()

TEST(config, describe_lists_every_setting) {
    const auto text = describe(config{});
    EXPECT_NE(text.find("queue.shards = 16\n"), std::string::npos) << text;
    EXPECT_NE(text.find("redis.url = \"\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("transport.kind = \"capture\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("local.port = 6390\n"), std::string::npos) << text;
    EXPECT_NE(text.find("log.format = \"kv\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("dedupe.window_ms = 600000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("breaker.content_max = 20\n"), std::string::npos) << text;
    EXPECT_NE(text.find("api.listen = \"127.0.0.1:8025\"\n"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 131);
    EXPECT_NE(text.find("domains.require_verified = 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("queue.consumer_idle_ms = 3600000\n"), std::string::npos) << text;
}

TEST(config, describe_hides_secrets) {
    config c;
    c.smtp.auth_password = "hunter2";
    const auto text = describe(c);
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_NE(text.find("smtp.auth_password = \"***\"\n"), std::string::npos) << text;
}

TEST(config, describe_never_shows_the_admin_key) {
    const auto r = load_config("", [](const char* n) -> const char* {
        return std::string_view(n) == "HERALD_API_ADMIN_KEY" ? "s3cret-admin" : nullptr;
    });
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.api.admin_key, "s3cret-admin");
    const auto text = describe(r.cfg);
    EXPECT_EQ(text.find("s3cret-admin"), std::string::npos) << text;
    EXPECT_NE(text.find("api.admin_key = \"***\"\n"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------
// [[sms.providers]]

constexpr const char* k_two_providers = R"([transport]
sms = "providers"

[sms]
providers_default = "tw,kn"

[[sms.providers]]
name = "tw"
kind = "twilio"
base_url = "https://127.0.0.1:8443"
account = "AC1"
secret = "tw-token"
from = "+15005550006"

[[sms.providers]]
name = "kn"
kind = "kannel"
base_url = "http://127.0.0.1:13013"
account = "user"
secret = "kn-pass"
signature_secret = "kn-shared"
max_inflight = 8
per_sec = 50
headers = ["Authorization: Bearer tok-1"]
)";

TEST(config, sms_providers_are_an_array_of_tables_in_order) {
    temp_file f(k_two_providers);
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.transport.sms, "providers");
    EXPECT_EQ(r.cfg.transport.email_transport(), "capture");
    ASSERT_EQ(r.cfg.sms.providers.size(), 2u);
    const auto& kn = r.cfg.sms.providers[1];
    EXPECT_EQ(r.cfg.sms.providers[0].name, "tw");
    EXPECT_EQ(kn.kind, "kannel");
    EXPECT_EQ(kn.max_inflight, 8u);
    EXPECT_EQ(kn.per_sec, 50u);
    EXPECT_EQ(kn.signature_secret, "kn-shared");
    EXPECT_EQ(r.cfg.sms.providers[0].max_inflight, 64u) << "the default";
}

TEST(config, describe_hides_provider_secrets_and_reads_back_the_same) {
    temp_file f(k_two_providers);
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    const auto text = describe(r.cfg);
    for (const char* secret : {"tw-token", "kn-pass", "kn-shared", "tok-1"})
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << "\n" << text;
    EXPECT_NE(text.find("headers = [\"Authorization: ***\"]"), std::string::npos) << text;
    temp_file again(text.c_str());
    const auto back = load_text(again);
    ASSERT_TRUE(back.ok()) << "describe's output is a config file: " << all(back) << text;
    ASSERT_EQ(back.cfg.sms.providers.size(), 2u);
    EXPECT_EQ(back.cfg.sms.providers[1].base_url, "http://127.0.0.1:13013");
}

TEST(config, transport_email_wins_over_the_older_kind) {
    temp_file f("[transport]\nkind = \"smtp\"\nemail = \"capture\"\n");
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.cfg.transport.email_transport(), "capture");
    temp_file old("[transport]\nkind = \"smtp\"\n");
    EXPECT_EQ(load_text(old).cfg.transport.email_transport(), "smtp");
}

TEST(config, bad_sms_providers_are_each_named) {
    expect_one("[sms]\nproviders = \"twilio\"\n", 2, "array of tables");
    expect_one("[[sms.providers]]\nname = \"a\"\nkind = \"nexmo\"\nbase_url = \"http://x\"\n", 1,
               "must be one of: twilio, vonage, http, kannel");
    expect_one("[[sms.providers]]\nname = \"A B\"\nkind = \"http\"\nbase_url = \"http://x\"\n", 1,
               "a-z, 0-9");
    expect_one("[[sms.providers]]\nname = \"a\"\nkind = \"http\"\nbase_url = \"ftp://x\"\n", 1,
               "http:// or https://");
    expect_one(
        "[[sms.providers]]\nname = \"a\"\nkind = \"http\"\nbase_url = \"http://x\"\n"
        "tokne = \"t\"\n",
        5, "unknown key 'sms.providers.tokne'");
    expect_one(
        "[[sms.providers]]\nname = \"a\"\nkind = \"http\"\nbase_url = \"http://x\"\n"
        "max_inflight = 0\n",
        5, "max_inflight must be an integer in 1..100000");
    expect_one(
        "[[sms.providers]]\nname = \"a\"\nkind = \"http\"\nbase_url = \"http://x\"\n"
        "[[sms.providers]]\nname = \"a\"\nkind = \"http\"\nbase_url = \"http://y\"\n",
        5, "\"a\" is used twice");
    expect_one("[transport]\nsms = \"twilio\"\n", 2, "capture, providers");
}

TEST(config, api_listen_must_be_host_and_port) {
    for (const char* bad : {"8025", "localhost", "127.0.0.1:-1", "127.0.0.1:65536", "::1:80",
                            "[::1]", ":80", "127.0.0.1:80x"}) {
        const auto r = load_config("", [&](const char* n) -> const char* {
            return std::string_view(n) == "HERALD_API_LISTEN" ? bad : nullptr;
        });
        ASSERT_EQ(r.problems.size(), 1u) << bad;
        EXPECT_NE(r.problems[0].message.find("api.listen"), std::string::npos) << bad;
    }
    for (const char* good : {"127.0.0.1:8025", "[::1]:8025", "0.0.0.0:80", "localhost:1"}) {
        const auto r = load_config("", [&](const char* n) -> const char* {
            return std::string_view(n) == "HERALD_API_LISTEN" ? good : nullptr;
        });
        EXPECT_TRUE(r.ok()) << good << ": " << all(r);
    }
    const auto v6 = parse_host_port("[::1]:8025");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 8025);
}

TEST(config, describe_output_loads_back_as_the_same_config) {
    config c;
    c.queue.shards = 99;
    c.transport.capture_dir = "dir with \"quotes\" and \\";
    c.redis.url = "redis://db:6379/2";
    temp_file f(describe(c));
    const auto r = load_text(f);
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(describe(r.cfg), describe(c));
}

TEST(config, describe_masks_the_redis_password) {
    config c;
    c.redis.url = "redis://:s3cret@db.example:6379/0";
    auto text = describe(c);
    EXPECT_NE(text.find("redis.url = \"redis://:***@db.example:6379/0\""), std::string::npos)
        << text;
    EXPECT_EQ(text.find("s3cret"), std::string::npos);

    c.redis.url = "redis://herald:s3cret@db:6379";
    text = describe(c);
    EXPECT_NE(text.find("redis://herald:***@db:6379"), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cret"), std::string::npos);
}

TEST(config, mask_url_password_cases) {
    EXPECT_EQ(mask_url_password(""), "");
    EXPECT_EQ(mask_url_password("redis://db:6379/0"), "redis://db:6379/0");
    EXPECT_EQ(mask_url_password("redis://user@db"), "redis://***@db");
    EXPECT_EQ(mask_url_password("redis://u:p/a@ss@db:1"), "redis://u:***@db:1");
    EXPECT_EQ(mask_url_password("redis://db/0?password=pw&x=1"), "redis://db/0?password=***&x=1");
    EXPECT_EQ(mask_url_password("redis://:a@db?db=1&password=b"),
              "redis://:***@db?db=1&password=***");
}

}  // namespace
}  // namespace herald
