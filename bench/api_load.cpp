// Open-loop load generator for herald's HTTP API (issue 11): a constant
// offered rate over N keep-alive connections, each request's latency taken
// from the moment it was *due* by the schedule, not from when a connection
// was free to send it. A server that stalls therefore shows its stall in
// every request that waited behind it (no coordinated omission), as wrk2
// and HdrHistogram's users measure.
//
//   api_load --url http://127.0.0.1:8080/v1/messages --rate 5000 --duration 20
//            --connections 64 --body bench/msg.json --keys keys.txt
//
// The body is read from a file; every `{{seq}}` in it becomes a string
// unique to the request and to this run, so a dedupe window never answers
// a duplicate. Keys (one a line, e.g. one per tenant) are used round-robin
// as `Authorization: Bearer <key>`. Request i is due at start + i / rate;
// the run is bounded by --duration and --requests (whichever ends first),
// each request by --timeout-ms, and the whole run by duration + timeout +
// 5 s. Prints one JSON object: offered and achieved rates, answers by
// status, failures by kind, latency percentiles (p50, p90, p99, p99.9, max)
// and how long requests waited for a free connection (start_delay_ms: when
// that grows, the connections, not the server, are the bottleneck).
// One thread: on the 2-core machines the server needs the other core.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace herald::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::uint64_t max_requests = 50'000'000;  // 200 MB of latencies
constexpr double max_duration_s = 3600;
constexpr unsigned max_connections = 20'000;

// ---- options ------------------------------------------------------------------------

struct options {
    std::string host, port, target;
    std::string method = "POST";
    double rate = 0;             // requests per second, offered
    double duration_s = 10;      // of the schedule
    double warmup_s = 0;         // due in the first warmup_s: sent, not counted
    std::uint64_t requests = 0;  // 0: rate x duration
    unsigned connections = 16;
    std::chrono::milliseconds timeout{10000};
    std::size_t max_response_bytes = 8 << 20;
    std::string body_file, keys_file;
    std::vector<std::string> headers;  // "Name: value"
};

// http://host[:port]/path; no TLS: the bench talks to loopback.
bool parse_url(const std::string& url, options& o) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) return false;
    const auto rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    o.target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    o.host = authority.substr(0, colon);
    o.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    return !o.host.empty() && !o.port.empty();
}

std::optional<options> parse_options(int argc, char** argv) {
    namespace po = boost::program_options;
    options o;
    std::string url;
    std::uint64_t timeout_ms = 10000;
    po::options_description d("api_load: open-loop HTTP load at a constant rate; prints JSON");
    d.add_options()("help,h", "this help")("url", po::value(&url)->required(),
                                           "http://host:port/path")(
        "rate", po::value(&o.rate)->required(), "requests per second offered")(
        "duration", po::value(&o.duration_s)->default_value(10), "seconds of schedule")(
        "requests", po::value(&o.requests)->default_value(0),
        "at most this many (0: rate x duration)")(
        "connections", po::value(&o.connections)->default_value(16), "keep-alive connections")(
        "warmup", po::value(&o.warmup_s)->default_value(0), "seconds sent but not counted")(
        "method", po::value(&o.method)->default_value("POST"), "HTTP method")(
        "body", po::value(&o.body_file), "request body file; {{seq}} becomes a unique string")(
        "keys", po::value(&o.keys_file), "bearer keys, one a line, used round-robin")(
        "header", po::value(&o.headers)->composing(), "extra 'Name: value' header (repeatable)")(
        "timeout-ms", po::value(&timeout_ms)->default_value(10000), "per request");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, d), vm);
        if (vm.count("help")) {
            std::cout << d << "\n";
            std::exit(0);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "api_load: " << e.what() << "\n" << d << "\n";
        return std::nullopt;
    }
    o.timeout = std::chrono::milliseconds(timeout_ms);
    const auto planned = o.rate * o.duration_s;
    std::string wrong;
    if (!parse_url(url, o)) wrong = "--url must be http://host[:port]/path";
    if (!(o.rate > 0) || !(o.duration_s > 0) || o.duration_s > max_duration_s)
        wrong = "--rate must be > 0 and --duration in (0, 3600]";
    if (o.connections == 0 || o.connections > max_connections)
        wrong = "--connections must be 1..20000";
    if (!(o.warmup_s >= 0) || o.warmup_s >= o.duration_s) wrong = "--warmup must be < --duration";
    // --duration and --requests: whichever ends first.
    const auto in_time = static_cast<std::uint64_t>(std::llround(planned));
    o.requests = o.requests == 0 ? in_time : std::min(o.requests, in_time);
    if (o.requests == 0 || o.requests > max_requests) wrong = "1 to 50,000,000 requests per run";
    if (http::string_to_verb(o.method) == http::verb::unknown) wrong = "--method: unknown method";
    if (!wrong.empty()) {
        std::cerr << "api_load: " << wrong << "\n";
        return std::nullopt;
    }
    return o;
}

// ---- what is sent --------------------------------------------------------------------

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// The requests of the run: the body cut at each {{seq}}, the keys.
class request_source {
public:
    request_source(const options& o, std::string body, std::vector<std::string> keys)
        : o_(o), keys_(std::move(keys)) {
        const std::string mark = "{{seq}}";
        for (std::size_t from = 0;;) {
            const auto at = body.find(mark, from);
            parts_.push_back(body.substr(from, at - from));
            if (at == std::string::npos) break;
            from = at + mark.size();
        }
        std::random_device rd;
        char nonce[24];
        std::snprintf(nonce, sizeof nonce, "%08x%08x", rd(), rd());
        run_ = nonce;
    }

    http::request<http::string_body> make(std::uint64_t i) const {
        http::request<http::string_body> req{http::string_to_verb(o_.method), o_.target, 11};
        req.set(http::field::host, o_.host + ":" + o_.port);
        req.set(http::field::user_agent, "herald-api-load");
        if (!keys_.empty())
            req.set(http::field::authorization, "Bearer " + keys_[i % keys_.size()]);
        for (const auto& h : o_.headers) {
            const auto colon = h.find(':');
            const auto value = h.find_first_not_of(' ', colon + 1);
            req.set(h.substr(0, colon), value == std::string::npos ? "" : h.substr(value));
        }
        if (o_.body_file.empty()) return req;
        req.set(http::field::content_type, "application/json");
        const std::string unique = run_ + "-" + std::to_string(i);
        std::string& b = req.body();
        b = parts_[0];
        for (std::size_t k = 1; k < parts_.size(); ++k)
            b += unique, b += parts_[k];
        req.prepare_payload();
        return req;
    }

private:
    const options& o_;
    std::vector<std::string> keys_;
    std::vector<std::string> parts_;
    std::string run_;
};

// ---- the schedule and its results ------------------------------------------------------

// Request i is due at start + i / rate. A connection that is free takes the
// earliest request not yet taken, so requests wait for connections in due
// order, and the wait counts in their latency.
struct schedule {
    steady::time_point start;
    double rate;
    std::uint64_t total, next = 0;

    std::optional<std::uint64_t> take() {
        if (next == total) return std::nullopt;
        return next++;
    }
    steady::time_point due(std::uint64_t i) const {
        return start + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * 1e9 / rate));
    }
};

struct results {
    steady::time_point measure_from;  // requests due before: warm-up
    std::vector<std::uint32_t> latency_us, start_delay_us;
    std::map<unsigned, std::uint64_t> statuses;
    std::map<std::string, std::uint64_t> failures;
    std::uint64_t sent = 0, answered = 0, failed = 0, connects = 0;
    steady::time_point last_answer{};

    bool counted(steady::time_point due) const { return due >= measure_from; }

    void answer(steady::time_point due, steady::time_point began, unsigned status) {
        ++answered;
        if (!counted(due)) return;
        const auto now = steady::now();
        last_answer = now;
        latency_us.push_back(micros(now - due));
        start_delay_us.push_back(micros(began - due));
        ++statuses[status];
    }
    void failure(steady::time_point due, std::string kind) {
        ++failed;
        if (counted(due)) ++failures[std::move(kind)];
    }
    static std::uint32_t micros(steady::duration d) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
        return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, UINT32_MAX));
    }
};

// ---- one connection ----------------------------------------------------------------------

struct shared_state {
    const options& o;
    const tcp::resolver::results_type& endpoints;
    const request_source& source;
    schedule& plan;
    results& out;
};

std::string failure_kind(const char* phase, const beast::error_code& ec) {
    if (ec == beast::error::timeout) return std::string(phase) + ": timeout";
    return std::string(phase) + ": " + ec.message();
}

// Sends one request and reads its answer; false when the connection is
// no good any more (the failure is counted).
asio::awaitable<bool> exchange(shared_state& s, beast::tcp_stream& stream, beast::flat_buffer& buf,
                               std::uint64_t i, steady::time_point due) {
    auto req = s.source.make(i);
    const auto began = steady::now();
    stream.expires_after(s.o.timeout);
    ++s.out.sent;
    auto [wec, wn] = co_await http::async_write(stream, req, as_tuple);
    if (wec) {
        s.out.failure(due, failure_kind("write", wec));
        co_return false;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(s.o.max_response_bytes);
    auto [rec, rn] = co_await http::async_read(stream, buf, parser, as_tuple);
    if (rec) {
        s.out.failure(due, failure_kind("read", rec));
        co_return false;
    }
    s.out.answer(due, began, parser.get().result_int());
    co_return parser.get().keep_alive();
}

asio::awaitable<void> connection(shared_state& s) {
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream stream(ex);
    beast::flat_buffer buf;
    asio::steady_timer timer(ex);
    bool open = false;
    while (auto i = s.plan.take()) {
        const auto due = s.plan.due(*i);
        if (due > steady::now()) {
            timer.expires_at(due);  // nothing cancels it
            co_await timer.async_wait(asio::use_awaitable);
        }
        if (!open) {
            stream.expires_after(s.o.timeout);
            ++s.out.connects;
            auto [ec, ep] = co_await stream.async_connect(s.endpoints, as_tuple);
            if (ec) {
                s.out.failure(due, failure_kind("connect", ec));
                stream.close();
                continue;
            }
            stream.socket().set_option(tcp::no_delay(true));
            buf.clear();
            open = true;
        }
        const bool keep = co_await exchange(s, stream, buf, *i, due);
        if (!keep) {
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.close();
            open = false;
        }
    }
    if (open) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
}

// ---- the report --------------------------------------------------------------------------

double percentile_ms(const std::vector<std::uint32_t>& sorted, double q) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
}

json::object spread(std::vector<std::uint32_t> v, bool full) {
    std::sort(v.begin(), v.end());
    json::object o;
    o["p50"] = percentile_ms(v, 0.50);
    if (full) o["p90"] = percentile_ms(v, 0.90);
    o["p99"] = percentile_ms(v, 0.99);
    if (full) o["p99.9"] = percentile_ms(v, 0.999);
    o["max"] = v.empty() ? 0.0 : v.back() / 1000.0;
    return o;
}

json::object report(const options& o, const schedule& plan, const results& r) {
    const auto counted = r.latency_us.size();
    const std::chrono::duration<double> window =
        counted > 0 ? r.last_answer - r.measure_from : steady::duration::zero();
    json::object statuses, failures;
    for (const auto& [code, n] : r.statuses)
        statuses[std::to_string(code)] = n;
    for (const auto& [kind, n] : r.failures)
        failures[kind] = n;
    json::object out;
    out["url"] = "http://" + o.host + ":" + o.port + o.target;
    out["connections"] = o.connections;
    out["offered_rate"] = o.rate;
    out["achieved_rate"] = window.count() > 0 ? counted / window.count() : 0.0;
    out["duration_s"] = window.count();
    out["warmup_s"] = o.warmup_s;
    out["scheduled"] = plan.total;
    out["sent"] = r.sent;
    out["answered"] = r.answered;
    out["counted"] = counted;
    out["unfinished"] = plan.total - r.answered - r.failed;
    out["connects"] = r.connects;
    out["statuses"] = statuses;
    out["failures"] = failures;
    out["latency_ms"] = spread(r.latency_us, true);
    out["start_delay_ms"] = spread(r.start_delay_us, false);
    return out;
}

// JSON with milliseconds and rates as plain decimals (Boost.JSON writes
// doubles as 5E2).
void print(std::ostream& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::object: {
            out << '{';
            const char* sep = "";
            for (const auto& [k, x] : v.get_object()) {
                out << sep << json::serialize(json::string(k)) << ':';
                print(out, x);
                sep = ",";
            }
            out << '}';
            return;
        }
        case json::kind::double_: {
            char num[32];
            std::snprintf(num, sizeof num, "%.3f", v.get_double());
            out << num;
            return;
        }
        default:
            out << json::serialize(v);
    }
}

std::vector<std::string> read_keys(const std::string& path) {
    std::vector<std::string> keys;
    std::ifstream f(path);
    for (std::string line; std::getline(f, line);) {
        line.erase(0, line.find_first_not_of(" \t\r"));
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (!line.empty() && line[0] != '#') keys.push_back(line);
    }
    return keys;
}

// Enough descriptors for every connection (the soft limit is often 1024).
void raise_fd_limit(unsigned connections) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    const rlim_t want = connections + 64;
    if (lim.rlim_cur >= want) return;
    lim.rlim_cur = std::min(want, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace
}  // namespace herald::bench

int main(int argc, char** argv) {
    using namespace herald::bench;
    auto usage_error = [](const std::string& what) {
        std::cerr << "api_load: " << what << "\n";
        return 2;
    };
    auto o = parse_options(argc, argv);
    if (!o) return 2;
    std::string body;
    if (!o->body_file.empty()) {
        auto b = read_file(o->body_file);
        if (!b) return usage_error("cannot read " + o->body_file);
        body = std::move(*b);
    }
    std::vector<std::string> keys;
    if (!o->keys_file.empty()) {
        keys = read_keys(o->keys_file);
        if (keys.empty()) return usage_error("no keys in " + o->keys_file);
    }
    raise_fd_limit(o->connections);

    asio::io_context ioc(1);
    beast::error_code ec;
    const auto endpoints = tcp::resolver(ioc).resolve(o->host, o->port, ec);
    if (ec) return usage_error(o->host + ": " + ec.message());
    const request_source source(*o, std::move(body), std::move(keys));
    // The schedule starts a little later, once every connection is spawned.
    schedule plan{steady::now() + std::chrono::milliseconds(50), o->rate, o->requests};
    results out;
    out.measure_from = plan.start + std::chrono::nanoseconds(std::llround(o->warmup_s * 1e9));
    out.latency_us.reserve(static_cast<std::size_t>(o->requests));
    out.start_delay_us.reserve(static_cast<std::size_t>(o->requests));
    shared_state s{*o, endpoints, source, plan, out};
    for (unsigned c = 0; c < o->connections; ++c)
        asio::co_spawn(ioc, connection(s), asio::detached);
    const auto last_due = plan.due(plan.total - 1);
    ioc.run_until(last_due + o->timeout + std::chrono::seconds(5));
    print(std::cout, report(*o, plan, out));
    std::cout << std::endl;
    return out.answered > 0 ? 0 : 1;
}
