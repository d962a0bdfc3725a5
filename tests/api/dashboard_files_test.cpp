// GET /dashboard and its files from the server itself: no key needed, each
// file with its media type and a Content-Security-Policy of 'self' only,
// uPlot byte for byte as npm installed it, nothing the page loads from
// elsewhere, and 404 for a file the dashboard does not have. Every answer
// is checked against api/openapi.yaml at TearDown.
#include "tests/api/api_fixture.hpp"
#include "tests/support/child_process.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

namespace herald {
namespace {

struct dashboard_files_test : test::api_fixture {};

void expect_self_only_policy(const test::http_answer& a, const std::string& what) {
    const auto csp = a.headers.count("content-security-policy")
                         ? a.headers.at("content-security-policy")
                         : std::string();
    EXPECT_EQ(csp.rfind("default-src 'self';", 0), 0u) << what << ": " << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << what << ": " << csp;
    EXPECT_EQ(csp.find("http"), std::string::npos) << what << ": no other origin: " << csp;
    EXPECT_EQ(
        a.headers.count("x-content-type-options") ? a.headers.at("x-content-type-options") : "",
        "nosniff")
        << what;
}

TEST_F(dashboard_files_test, the_page_needs_no_key_and_loads_only_herald_s_own_files) {
    auto page = call("GET", "/dashboard");
    seen.emplace_back("GET", "/dashboard", page);
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
    expect_self_only_policy(page, "/dashboard");

    // Every src= and href= of the page, each answered by the server with
    // its own media type.
    const std::map<std::string, std::string> types{
        {"/dashboard/dashboard.js", "text/javascript; charset=utf-8"},
        {"/dashboard/dashboard.css", "text/css; charset=utf-8"},
        {"/dashboard/favicon.svg", "image/svg+xml"},
        {"/dashboard/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
        {"/dashboard/uPlot.min.css", "text/css; charset=utf-8"}};
    const std::regex ref(R"((src|href)="([^"]*)\")");
    std::set<std::string> refs;
    for (std::sregex_iterator it(page.body.begin(), page.body.end(), ref), end; it != end; ++it)
        refs.insert((*it)[2]);
    std::set<std::string> expected;
    for (const auto& [path, type] : types)
        expected.insert(path);
    EXPECT_EQ(refs, expected)
        << "the page loads exactly the dashboard's files, none from elsewhere";
    for (const auto& [path, type] : types) {
        auto a = call("GET", path);
        seen.emplace_back("GET", path, a);
        EXPECT_EQ(a.status, 200) << path;
        EXPECT_EQ(a.headers["content-type"], type) << path;
        EXPECT_FALSE(a.body.empty()) << path;
        expect_self_only_policy(a, path);
    }
}

TEST_F(dashboard_files_test, uplot_is_served_as_npm_installed_it_and_the_page_s_files_as_written) {
    const std::map<std::string, std::string> files{
        {"/dashboard", HERALD_DASHBOARD_DIR "/index.html"},
        {"/dashboard/dashboard.js", HERALD_DASHBOARD_DIR "/dashboard.js"},
        {"/dashboard/uPlot.iife.min.js",
         HERALD_DASHBOARD_DIR "/node_modules/uplot/dist/uPlot.iife.min.js"},
        {"/dashboard/uPlot.min.css",
         HERALD_DASHBOARD_DIR "/node_modules/uplot/dist/uPlot.min.css"}};
    for (const auto& [path, file] : files) {
        auto a = call("GET", path);
        ASSERT_EQ(a.status, 200) << path;
        EXPECT_EQ(a.body, test::read_file(file)) << path;
    }
    // The version package.json pins is the one embedded.
    EXPECT_NE(test::read_file(HERALD_DASHBOARD_DIR "/package.json").find("\"uplot\": \"1.6.32\""),
              std::string::npos);
    EXPECT_NE(test::read_file(HERALD_DASHBOARD_DIR "/node_modules/uplot/package.json")
                  .find("\"version\": \"1.6.32\""),
              std::string::npos);
}

TEST_F(dashboard_files_test,
       a_file_the_dashboard_does_not_have_is_404_and_the_page_takes_only_get) {
    for (const std::string path :
         {"/dashboard/nope.js", "/dashboard/index.html", "/dashboard/uPlot.esm.js",
          "/dashboard/..%2Fv1%2Fopenapi.yaml"}) {
        auto a = call("GET", path);
        seen.emplace_back("GET", path, a);
        EXPECT_EQ(a.status, 404) << path;
        EXPECT_EQ(a.code(), "not_found") << path;
    }
    auto post = call("POST", "/dashboard", "{}", admin_key);
    seen.emplace_back("POST", "/dashboard", post);
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.headers["allow"], "GET");
}

}  // namespace
}  // namespace herald
