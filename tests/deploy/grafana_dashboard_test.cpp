// deploy/grafana/herald.json is a dashboard Grafana's file provisioning
// takes (a title, a uid, a schemaVersion, panels placed on the grid with
// Prometheus targets, the DS_PROMETHEUS data source variable and a tenant
// variable), and every metric its queries name, and every metric the alert
// rules name, is one a live `herald up` exposes on /metrics.
#include "tests/ops/herald_stack.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace herald {
namespace {

namespace json = boost::json;
const std::string deploy_dir = HERALD_DEPLOY_DIR;

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json::object dashboard() {
    return json::parse(file_text(deploy_dir + "/grafana/herald.json")).as_object();
}

// Every query of the dashboard's panels.
std::vector<std::string> exprs(const json::object& d) {
    std::vector<std::string> out;
    for (const auto& p : d.at("panels").as_array())
        if (const auto* targets = p.as_object().if_contains("targets"))
            for (const auto& t : targets->as_array())
                out.push_back(json::value_to<std::string>(t.at("expr")));
    return out;
}

// The metric names a PromQL text names: herald's own prefix.
std::set<std::string> metric_names(const std::string& promql) {
    static const std::regex name(R"(\bherald_[a-z0-9_]+)");
    std::set<std::string> out;
    for (std::sregex_iterator it(promql.begin(), promql.end(), name), end; it != end; ++it)
        out.insert(it->str());
    return out;
}

// The series names an exposition offers, from its TYPE lines: a
// histogram's _bucket, _sum and _count as well.
std::set<std::string> exposed(const std::string& text) {
    static const std::regex type(R"(# TYPE (\S+) (\S+))");
    std::set<std::string> out;
    for (std::sregex_iterator it(text.begin(), text.end(), type), end; it != end; ++it) {
        const auto n = (*it)[1].str();
        out.insert(n);
        if ((*it)[2] == "histogram")
            for (const char* suffix : {"_bucket", "_sum", "_count"})
                out.insert(n + suffix);
    }
    return out;
}

TEST(grafana_dashboard_test, has_what_provisioning_needs) {
    const auto d = dashboard();
    EXPECT_FALSE(d.at("title").as_string().empty());
    EXPECT_FALSE(d.at("uid").as_string().empty());
    EXPECT_LE(d.at("uid").as_string().size(), 40u) << "Grafana's uid limit";
    EXPECT_GE(d.at("schemaVersion").as_int64(), 30);
    std::set<std::int64_t> ids;
    std::size_t with_queries = 0;
    for (const auto& v : d.at("panels").as_array()) {
        const auto& p = v.as_object();
        ASSERT_TRUE(p.contains("type"));
        EXPECT_TRUE(ids.insert(p.at("id").as_int64()).second) << "panel ids are unique";
        const auto& grid = p.at("gridPos").as_object();
        for (const char* k : {"h", "w", "x", "y"})
            EXPECT_TRUE(grid.at(k).is_int64()) << k;
        EXPECT_LE(grid.at("x").as_int64() + grid.at("w").as_int64(), 24) << "inside the grid";
        if (p.at("type") == "row") continue;
        ++with_queries;
        EXPECT_EQ(p.at("datasource").at("uid"), "${DS_PROMETHEUS}");
        const auto& targets = p.at("targets").as_array();
        ASSERT_FALSE(targets.empty()) << p.at("title");
        for (const auto& t : targets) {
            EXPECT_FALSE(t.at("expr").as_string().empty());
            EXPECT_FALSE(t.at("refId").as_string().empty());
            EXPECT_EQ(t.at("datasource").at("uid"), "${DS_PROMETHEUS}");
        }
    }
    EXPECT_GE(with_queries, 10u);
    bool data_source = false, tenant = false;
    for (const auto& v : d.at("templating").at("list").as_array()) {
        const auto& var = v.as_object();
        if (var.at("name") == "DS_PROMETHEUS" && var.at("type") == "datasource" &&
            var.at("query") == "prometheus")
            data_source = true;
        if (var.at("name") == "tenant" && var.at("type") == "query") tenant = true;
    }
    EXPECT_TRUE(data_source);
    EXPECT_TRUE(tenant);
    std::size_t per_tenant = 0;
    for (const auto& e : exprs(d))
        per_tenant += e.find("tenant=~\"$tenant\"") != std::string::npos;
    EXPECT_GE(per_tenant, 5u) << "the tenant variable filters the per-tenant panels";
}

TEST(grafana_dashboard_test, the_name_check_tells_a_missing_metric) {
    const auto offered = exposed("# TYPE herald_x_seconds histogram\n# TYPE herald_y gauge\n");
    EXPECT_TRUE(offered.contains("herald_x_seconds_bucket"));
    EXPECT_TRUE(offered.contains("herald_y"));
    EXPECT_FALSE(offered.contains("herald_y_bucket"));
    EXPECT_EQ(metric_names("sum by (le) (rate(herald_x_seconds_bucket{tenant=~\"$t\"}[5m]))"),
              std::set<std::string>{"herald_x_seconds_bucket"});
}

TEST(grafana_dashboard_test, every_query_and_alert_names_a_metric_live_herald_exposes) {
    test::herald_up_stack up;
    for (int n = 1; n <= 3; ++n)
        ASSERT_EQ(up.send(test::numbered_email(n)).status, 202);
    const auto offered = exposed(up.scrape());
    ASSERT_TRUE(offered.contains("herald_messages_total"));
    for (const auto& e : exprs(dashboard())) {
        const auto names = metric_names(e);
        EXPECT_FALSE(names.empty()) << e;
        for (const auto& n : names)
            EXPECT_TRUE(offered.contains(n)) << n << " in the dashboard's " << e;
    }
    const auto rules = file_text(deploy_dir + "/prometheus/herald.rules.yml");
    const auto in_rules = metric_names(rules);
    EXPECT_GE(in_rules.size(), 7u);
    for (const auto& n : in_rules)
        EXPECT_TRUE(offered.contains(n)) << n << " in herald.rules.yml";
}

}  // namespace
}  // namespace herald
