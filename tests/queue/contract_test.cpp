// The Redis contract, both sides: the settings the Lua functions read are
// the ones the C++ tables register, and the reverse; every key they build
// is a row of queue/keys' table, with a bound that bounds_test audits; the
// generated schema carries queue/contract.hpp's layouts and chain; the
// library loads (its guards match the chain) and answers its protocol.
#include "queue/contract.hpp"
#include "dedupe/settings.hpp"
#include "domains/settings.hpp"
#include "ops/settings.hpp"
#include "queue/keys.hpp"
#include "ratelimit/settings.hpp"
#include "sms/settings.hpp"
#include "smtp/settings.hpp"
#include "tests/support/queue_fixture.hpp"

#include <regex>
#include <set>
#include <sstream>

namespace herald {
namespace {

struct contract_test : test::queue_fixture {
    const std::string lua{queue::library_source()};

    std::vector<tenant_setting> tables() const {
        std::vector<tenant_setting> all;
        for (auto rows : {dedupe::settings(), ratelimit::settings(), smtp::settings(),
                          domains::settings(), sms::settings(), ops::settings()})
            all.insert(all.end(), rows.begin(), rows.end());
        return all;
    }
    // Names the Lua readers ask for literally, and the patterns of names
    // they build ('rate.' .. name .. '.per_sec' -> "rate\..*\.per_sec").
    std::pair<std::set<std::string>, std::vector<std::regex>> lua_reads() const {
        const std::regex call(R"((num|num_or_0|setting_number|setting_text)\(\w+, ([^)]*)\))");
        const std::regex literal(R"(^'([^']*)'$)");
        const std::regex built(R"(^'([^']*)' \.\. [\w.]+(?: \.\. '([^']*)')?$)");
        std::set<std::string> names;
        std::vector<std::regex> patterns;
        for (std::sregex_iterator it(lua.begin(), lua.end(), call), end; it != end; ++it) {
            const std::string arg = (*it)[2];
            std::smatch m;
            if (std::regex_match(arg, m, literal)) {
                names.insert(m[1]);
            } else if (std::regex_match(arg, m, built)) {
                auto quote = [](std::string s) {
                    return std::regex_replace(s, std::regex(R"([.])"), R"(\.)");
                };
                patterns.emplace_back(quote(m[1]) + "[a-z_]+" + quote(m[2]));
            } else if (arg != "name") {  // the readers' own parameter
                ADD_FAILURE() << "a setting read the test cannot follow: " << arg;
            }
        }
        return {names, patterns};
    }
};

TEST_F(contract_test, every_setting_lua_reads_is_registered_in_cpp_and_the_reverse) {
    auto [names, patterns] = lua_reads();
    ASSERT_GT(names.size(), 10u) << "the scan found the readers";
    std::set<std::string> registered(queue::contract::meta_fields.begin(),
                                     queue::contract::meta_fields.end());
    for (const auto& s : tables())
        if (!s.read_in_cpp) registered.insert(std::string(s.name));
    for (const auto& n : names)
        EXPECT_TRUE(registered.contains(n)) << "Lua reads " << n << ", which no C++ table has";
    for (const auto& s : tables()) {
        if (s.read_in_cpp) continue;
        const std::string n(s.name);
        const bool read = names.contains(n) ||
                          std::any_of(patterns.begin(), patterns.end(),
                                      [&](const std::regex& p) { return std::regex_match(n, p); });
        EXPECT_TRUE(read) << n << " is registered but no function reads it";
    }
}

TEST_F(contract_test, the_generated_schema_carries_the_layouts_and_the_chain) {
    namespace c = queue::contract;
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, int>>{{"protocol", c::protocol},
                                                  {"admit_fields", c::admit_fields},
                                                  {"claim_fields", c::claim_fields},
                                                  {"settle_fields", c::settle_fields},
                                                  {"renew_fields", c::renew_fields}})
        EXPECT_NE(lua.find("  " + field + " = " + std::to_string(value) + ",\n"), std::string::npos)
            << field;
    std::string chain = "chain = {";
    for (std::size_t i = 0; i < c::chain.size(); ++i)
        chain += (i ? ", '" : "'") + std::string(c::chain[i]) + "'";
    EXPECT_NE(lua.find(chain + "}"), std::string::npos) << chain;
    // Every guard fragment registers under a name of the chain (or the
    // library would not have loaded in SetUp).
    const std::regex guard(R"(register_guard\{\s*name = '(\w+)')");
    std::set<std::string> guards;
    for (std::sregex_iterator it(lua.begin(), lua.end(), guard), end; it != end; ++it)
        guards.insert((*it)[1]);
    EXPECT_EQ(guards, std::set<std::string>(c::chain.begin(), c::chain.end()));
}

TEST_F(contract_test, the_library_stays_well_under_luas_200_top_level_locals) {
    const std::regex top_level_local(R"(^local (?:function )?([\w, ]+).*)");
    std::size_t count = 0;
    std::istringstream lines(lua);
    std::smatch m;
    for (std::string line; std::getline(lines, line);)
        if (std::regex_match(line, m, top_level_local))
            count += 1 + std::count(m[1].first, m[1].second, ',');
    EXPECT_GT(count, 50u) << "the scan found the locals";
    EXPECT_LT(count, 150u);
    RecordProperty("top_level_locals", static_cast<int>(count));
}

TEST_F(contract_test, no_function_spells_a_key_the_key_table_has) {
    // Each suffix appears once: in the generated K table.
    for (const auto& k : queue::k_key_names) {
        const std::string quoted = "'" + std::string(k.suffix) + "'";
        std::size_t n = 0;
        for (auto at = lua.find(quoted); at != std::string::npos; at = lua.find(quoted, at + 1))
            ++n;
        EXPECT_EQ(n, 1u) << k.name << " (" << k.suffix << ") spelled outside the K table";
    }
}

TEST_F(contract_test, every_key_the_lua_builds_is_a_row_with_a_bound) {
    // A function builds keys only as shard .. K.<name>; each name must be a
    // row of queue/keys' table, whose bound column bounds_test audits.
    std::set<std::string_view> rows;
    for (const auto& k : queue::k_key_names)
        rows.insert(k.name);
    const std::regex use(R"(\bK\.(\w+))");
    std::set<std::string> used;
    for (std::sregex_iterator it(lua.begin(), lua.end(), use), end; it != end; ++it)
        used.insert((*it)[1]);
    EXPECT_GT(used.size(), 15u) << "the scan found the key builders";
    for (const auto& name : used)
        EXPECT_TRUE(rows.contains(name)) << "K." << name << " is not in queue/keys' table";
}

TEST_F(contract_test, the_library_answers_its_protocol) {
    EXPECT_EQ(server.cmd({"FCALL_RO", "herald_protocol", "0"}).integer, queue::contract::protocol);
}

TEST_F(contract_test, a_newer_library_is_not_replaced_by_this_process) {
    // A library of a later protocol, as a newer herald would load.
    std::string newer{queue::library_source()};
    const std::string mine = "  protocol = " + std::to_string(queue::contract::protocol) + ",";
    newer.replace(newer.find(mine), mine.size(),
                  "  protocol = " + std::to_string(queue::contract::protocol + 1) + ",");
    server.cmd({"FUNCTION", "LOAD", "REPLACE", newer});
    auto r = test::run(ioc, queue::load_library(client));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("upgrade this process"), std::string::npos) << r.error().detail;
}

}  // namespace
}  // namespace herald
