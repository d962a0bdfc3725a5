#include "sms/http_client.hpp"

#include "sms/curl_multi.hpp"

#include <curl/curl.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace herald::sms {

namespace asio = boost::asio;

namespace {

constexpr std::size_t k_max_body = std::size_t{1} << 20;
constexpr std::size_t k_max_headers = 100;
// Easy handles kept for reuse (their setup is a few allocations each).
constexpr std::size_t k_idle_easy_handles = 64;

using done_handler = asio::any_completion_handler<void(http_response)>;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Whether any byte of the request was handed to the connection: the
// request line and headers (with a small body sent along) count in
// CURLINFO_REQUEST_SIZE, the rest of a body in CURLINFO_SIZE_UPLOAD_T.
// Bytes written may not have reached the server, but they may have: that is
// the line between not_sent and no_answer.
bool wrote_any(CURL* easy) {
    long request = 0;
    curl_off_t upload = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request);
    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &upload);
    return request > 0 || upload > 0;
}

// Errors found before any network use (CURLE_URL_MALFORMAT and its kin are
// caught earlier by validate(), these are the ones curl finds itself);
// everything else is decided by whether the request was written. A request
// written in part counts as written: the provider may have read enough of
// it, and a second copy is worse than an unknown outcome.
http_failure classify(CURLcode rc, bool wrote) {
    switch (rc) {
        case CURLE_OK:
            return http_failure::none;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_NOT_BUILT_IN:
        case CURLE_BAD_FUNCTION_ARGUMENT:
            return http_failure::unusable;
        default:
            return wrote ? http_failure::no_answer : http_failure::not_sent;
    }
}

bool known_method(std::string_view m) {
    return m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}

// Why the request cannot be tried at all, or empty.
std::string validate(const http_request& req) {
    if (!known_method(req.method)) return "unsupported method '" + req.method + "'";
    if (req.method == "GET" && !req.body.empty()) return "a GET request has no body";
    CURLU* u = curl_url();
    if (!u) return "out of memory";
    std::string why;
    char* scheme = nullptr;
    if (curl_url_set(u, CURLUPART_URL, req.url.c_str(), 0) != CURLUE_OK)
        why = "malformed URL '" + req.url + "'";
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (std::string_view(scheme) != "http" && std::string_view(scheme) != "https"))
        why = "not an http:// or https:// URL: '" + req.url + "'";
    curl_free(scheme);
    curl_url_cleanup(u);
    if (!why.empty()) return why;
    for (const auto& h : req.headers) {
        if (h.find_first_of("\r\n") != std::string::npos || h.find('\0') != std::string::npos ||
            h.find(':') == std::string::npos || h.front() == ':')
            return "malformed header '" + h + "'";
    }
    return {};
}

}  // namespace

std::string_view http_response::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_name) return value;
    return {};
}

void http_global_init() {
    detail::curl_global_once();
}

// ---- one transfer ---------------------------------------------------------------

namespace {

struct transfer {
    ~transfer() {
        curl_slist_free_all(header_list);
        curl_slist_free_all(resolve_list);
    }

    http_request req;
    done_handler handler;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    curl_slist* resolve_list = nullptr;
    http_response resp;
    bool truncated = false;
    bool resend_stopped = false;
    int attempts = 0;
    char errbuf[CURL_ERROR_SIZE] = {};
};

size_t on_body(char* p, size_t size, size_t n, void* ud) {
    auto* t = static_cast<transfer*>(ud);
    const size_t len = size * n;
    const size_t room = k_max_body - t->resp.body.size();
    if (len > room) {
        t->resp.body.append(p, room);
        t->truncated = true;
        return 0;  // ends the transfer (CURLE_WRITE_ERROR): the rest is not read
    }
    t->resp.body.append(p, len);
    return len;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* t = static_cast<transfer*>(ud);
    const size_t len = size * n;
    const std::string_view line = trim(std::string_view(p, len));
    // A status line starts a response: an interim 1xx one's headers go.
    if (line.starts_with("HTTP/")) {
        t->resp.headers.clear();
        return len;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return len;
    if (t->resp.headers.size() < k_max_headers)
        t->resp.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
    return len;
}

// Called before each attempt of the request on a connection. curl makes a
// second attempt on its own when a reused keep-alive connection dies
// before any answer (Curl_retry_request); the first attempt may then have
// reached the provider, so once anything was written the transfer is ended
// instead (CURLE_ABORTED_BY_CALLBACK, answered no_answer). Reading
// CURLINFO_* here calls no curl function that acts.
int on_prereq(void* ud, char*, char*, int, int) {
    auto* t = static_cast<transfer*>(ud);
    if (t->attempts++ == 0 || !wrote_any(t->easy)) return CURL_PREREQFUNC_OK;
    t->resend_stopped = true;
    return CURL_PREREQFUNC_ABORT;
}

}  // namespace

// ---- the client -----------------------------------------------------------------

struct http_client::impl {
    impl(asio::any_io_executor ex, http_client_options opt) : ex_(ex), opt_(std::move(opt)) {
        const long conns = static_cast<long>(std::max<std::size_t>(opt_.max_host_connections, 1));
        multi_ = detail::curl_multi::create(
            ex, {.max_host_connections = conns, .max_cached_connections = conns},
            [this](CURL* e, CURLcode rc) { finish(e, rc); });
    }

    ~impl() {
        abort_all("client destroyed");
        multi_.reset();
        for (CURL* e : idle_)
            curl_easy_cleanup(e);
    }

    void start(http_request req, done_handler handler);
    CURLcode configure(transfer& t);
    void finish(CURL* easy, CURLcode rc);
    void abort_all(const char* why);
    void complete(std::unique_ptr<transfer> t);
    CURL* take_easy();
    void recycle(CURL* easy);

    asio::any_io_executor ex_;
    http_client_options opt_;
    std::shared_ptr<detail::curl_multi> multi_;
    std::unordered_map<CURL*, std::unique_ptr<transfer>> transfers_;
    std::vector<CURL*> idle_;
};

void http_client::impl::start(http_request req, done_handler handler) {
    auto t = std::make_unique<transfer>();
    t->req = std::move(req);
    // Boost 1.81's any_completion_handler move-assignment recurses forever
    // (it copies through its own converting constructor): swap instead.
    t->handler.swap(handler);
    auto fail = [&](http_failure f, std::string why) {
        t->resp.failure = f;
        t->resp.error = std::move(why);
        if (t->easy) recycle(std::exchange(t->easy, nullptr));
        complete(std::move(t));
    };
    if (auto why = validate(t->req); !why.empty()) return fail(http_failure::unusable, why);
    t->easy = take_easy();
    if (!t->easy) return fail(http_failure::unusable, "curl_easy_init failed");
    if (const CURLcode rc = configure(*t); rc != CURLE_OK)
        return fail(http_failure::unusable, curl_easy_strerror(rc));
    if (const CURLMcode rc = multi_->add(t->easy); rc != CURLM_OK)
        return fail(http_failure::not_sent, curl_multi_strerror(rc));
    CURL* e = t->easy;
    transfers_.emplace(e, std::move(t));
}

CURLcode http_client::impl::configure(transfer& t) {
    CURL* e = t.easy;
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption o, auto v) {
        if (rc == CURLE_OK) rc = curl_easy_setopt(e, o, v);
    };
    const auto& r = t.req;
    set(CURLOPT_URL, r.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded process
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt_.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(opt_.total_timeout.count()));
    // An idle connection is reused for 50 s at most (curl's default is 118):
    // below the 60 s idle timeout common in front of APIs, so a connection
    // the provider is closing right now is rarely picked, and the request
    // rarely ends as no_answer for that alone.
    set(CURLOPT_MAXAGE_CONN, 50L);
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!opt_.ca_file.empty()) set(CURLOPT_CAINFO, opt_.ca_file.c_str());
    set(CURLOPT_USERAGENT, "herald");
    set(CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(CURLOPT_ERRORBUFFER, t.errbuf);
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_PREREQFUNCTION, &on_prereq);
    set(CURLOPT_PREREQDATA, static_cast<void*>(&t));
    for (const auto& h : r.headers)
        t.header_list = curl_slist_append(t.header_list, h.c_str());
    // curl would otherwise ask "Expect: 100-continue" for larger bodies and
    // wait up to a second for a server that does not answer it.
    t.header_list = curl_slist_append(t.header_list, "Expect:");
    set(CURLOPT_HTTPHEADER, t.header_list);
    if (!r.resolve.empty()) {
        for (const auto& pin : r.resolve)
            t.resolve_list = curl_slist_append(t.resolve_list, pin.c_str());
        set(CURLOPT_RESOLVE, t.resolve_list);
        set(CURLOPT_PROXY, "");  // a proxy would connect wherever its DNS says
    }
    if (r.method == "GET") {
        set(CURLOPT_HTTPGET, 1L);
    } else {
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        set(CURLOPT_POSTFIELDS, r.body.data());  // not copied: the transfer owns it
        if (r.method != "POST") set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (!r.user.empty()) {
        set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        set(CURLOPT_USERNAME, r.user.c_str());
        set(CURLOPT_PASSWORD, r.password.c_str());
    }
    return rc;
}

void http_client::impl::finish(CURL* easy, CURLcode rc) {
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) {
        multi_->remove(easy);
        return;
    }
    auto t = std::move(it->second);
    transfers_.erase(it);
    auto& resp = t->resp;
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t->truncated)) {
        resp.failure = http_failure::none;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
        if (t->truncated) resp.error = "response body over 1 MiB, truncated";
    } else {
        resp.failure = classify(rc, wrote_any(easy));
        resp.error = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
        if (t->resend_stopped)
            resp.error += " (connection died after the request was written; not resent)";
        resp.headers.clear();
        resp.body.clear();
    }
    multi_->remove(easy);
    recycle(std::exchange(t->easy, nullptr));
    complete(std::move(t));
}

void http_client::impl::abort_all(const char* why) {
    auto all = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, t] : all) {
        const bool wrote = wrote_any(easy);
        multi_->remove(easy);
        recycle(std::exchange(t->easy, nullptr));
        t->resp = {};
        t->resp.failure = wrote ? http_failure::no_answer : http_failure::not_sent;
        t->resp.error = why;
        complete(std::move(t));
    }
}

// The answer goes out through the handler's executor, never inline: this
// runs while curl's results are being read, and the caller's next request
// must not start from there.
void http_client::impl::complete(std::unique_ptr<transfer> t) {
    t->resp.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t->started)
                          .count();
    // The caller's coroutine runs on ex_ (one client per executor).
    asio::post(ex_, [h = std::move(t->handler), r = std::move(t->resp)]() mutable {
        std::move(h)(std::move(r));
    });
}

CURL* http_client::impl::take_easy() {
    if (idle_.empty()) return curl_easy_init();
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
}

void http_client::impl::recycle(CURL* easy) {
    if (!easy) return;
    if (idle_.size() >= k_idle_easy_handles) {
        curl_easy_cleanup(easy);
        return;
    }
    curl_easy_reset(easy);  // options only: connections live in the multi handle
    idle_.push_back(easy);
}

// ---- public face ------------------------------------------------------------------

http_client::http_client(asio::any_io_executor ex, http_client_options opt)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(opt))) {}

http_client::~http_client() = default;

asio::awaitable<http_response> http_client::perform(http_request req) {
    impl* i = impl_.get();
    auto r = co_await asio::async_initiate<decltype(asio::use_awaitable), void(http_response)>(
        [i](auto handler, http_request rq) { i->start(std::move(rq), std::move(handler)); },
        asio::use_awaitable, std::move(req));
    co_return r;
}

void http_client::close() {
    impl_->abort_all("client closed");
    impl_->multi_->close_connections();
}

std::size_t http_client::in_flight() const {
    return impl_->transfers_.size();
}

}  // namespace herald::sms
