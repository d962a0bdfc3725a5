#include "sms/answer.hpp"

#include <charconv>
#include <chrono>
#include <ctime>

namespace herald::sms {

std::string_view to_string(answer_class c) noexcept {
    switch (c) {
        case answer_class::accepted:
            return "accepted";
        case answer_class::retry:
            return "retry";
        case answer_class::failover:
            return "failover";
        case answer_class::ambiguous:
            return "ambiguous";
        case answer_class::permanent:
            return "permanent";
    }
    return "?";
}

std::string body_excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, 200))
        out += (c >= 0x20 && c < 0x7f) ? c : ' ';
    return out;
}

provider_answer classify_failure(std::string_view provider, const http_response& r) {
    const std::string who(provider);
    switch (r.failure) {
        case http_failure::no_answer:
            return provider_answer::of(answer_class::ambiguous, "sms_no_answer",
                                       who + " got the request and did not answer: " + r.error);
        case http_failure::unusable:
            return provider_answer::of(answer_class::failover, "sms_bad_request",
                                       who + ": the request could not be made: " + r.error);
        case http_failure::not_sent:
        case http_failure::none:
            break;
    }
    return provider_answer::of(answer_class::failover, "sms_unreachable",
                               who + " was not reached: " + r.error);
}

std::optional<millis> retry_after_of(const http_response& r) {
    const auto v = r.header("retry-after");
    if (v.empty()) return std::nullopt;
    std::uint32_t seconds = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec == std::errc{} && p == v.data() + v.size()) return millis(seconds) * 1000;
    std::tm tm{};  // an HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT"
    const std::string text(v);
    if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
    const millis at = static_cast<millis>(timegm(&tm)) * 1000;
    const millis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return at > now ? at - now : 0;
}

std::optional<provider_answer> classify_status(std::string_view provider, const http_response& r) {
    const std::string code = "http_" + std::to_string(r.status);
    const std::string said = std::string(provider) + " answered " + std::to_string(r.status) +
                             ": " + body_excerpt(r.body);
    if (r.status == 429) {
        auto a = provider_answer::of(answer_class::retry, code, said);
        a.retry_after = retry_after_of(r);
        return a;
    }
    if (r.status >= 500 || r.status == 401 || r.status == 403)
        return provider_answer::of(answer_class::failover, code, said);
    return std::nullopt;
}

}  // namespace herald::sms
