#include "tests/support/fake_http.hpp"

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <thread>

#ifndef HERALD_FAKE_HTTP_PY
#error "HERALD_FAKE_HTTP_PY must name tests/support/fake_http.py"
#endif

namespace herald::test {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::size_t collect(char* p, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}

std::string str(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string_view recorded_request::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_name) return value;
    return {};
}

fake_http::fake_http(fake_http_options opt) : opt_(std::move(opt)), dir_("herald-fake-http") {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const auto script =
        opt_.script.empty() ? std::string(HERALD_FAKE_HTTP_PY) : opt_.script.string();
    std::vector<std::string> argv{"/usr/bin/python3", script, "--port", "0"};
    if (!opt_.cert.empty())
        argv.insert(argv.end(), {"--cert", opt_.cert.string(), "--key", opt_.key.string()});
    argv.insert(argv.end(), opt_.args.begin(), opt_.args.end());
    const auto out = dir_.path() / "stdout";
    proc_ = std::make_unique<child_process>(argv, out, dir_.path() / "stderr");
    port_ = ready_port(*proc_, out, dir_.path() / "stderr", script);
}

fake_http::~fake_http() = default;

std::string fake_http::url(std::string_view path) const {
    return (opt_.cert.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") +
           std::to_string(port_) + std::string(path);
}

// A blocking request of its own (a fresh connection, closed after), so
// the tests' connection counts see only the client under test.
std::string fake_http::control(const char* method, std::string_view path,
                               std::string_view body) const {
    CURL* c = curl_easy_init();
    if (!c) throw std::runtime_error("curl_easy_init failed");
    std::string answer;
    const std::string u = url(path);
    const std::string b(body);
    curl_easy_setopt(c, CURLOPT_URL, u.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    if (!opt_.ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, opt_.ca.c_str());
    if (std::string_view(method) == "POST") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(b.size()));
        curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, b.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || status != 200)
        throw std::runtime_error("fake_http " + std::string(path) +
                                 " failed: " + curl_easy_strerror(rc) + " " + answer + " " + log());
    return answer;
}

void fake_http::script(const json::array& answers) {
    control("POST", "/_script", json::serialize(answers));
}

std::vector<recorded_request> fake_http::requests() const {
    std::vector<recorded_request> out;
    const json::value all = json::parse(control("GET", "/_requests", ""));
    for (const auto& v : all.as_array()) {
        const auto& o = v.as_object();
        recorded_request r;
        r.method = str(o, "method");
        r.path = str(o, "path");
        r.query = str(o, "query");
        r.body = str(o, "body");
        r.action = str(o, "action");
        r.connection = static_cast<int>(o.at("connection").as_int64());
        for (const auto& [name, value] : o.at("headers").as_object())
            r.headers.emplace_back(std::string(name), std::string(value.as_string()));
        out.push_back(std::move(r));
    }
    return out;
}

std::size_t fake_http::connections() const {
    std::set<int> seen;
    for (const auto& r : requests())
        seen.insert(r.connection);
    return seen.size();
}

void fake_http::reset() {
    control("POST", "/_reset", "");
}

std::string fake_http::log() const {
    return read_file(dir_.path() / "stderr");
}

}  // namespace herald::test
