#include "ops/webhook_filter.hpp"

#include "ops/webhook_errors.hpp"

#include <algorithm>

namespace herald::ops {
namespace {

constexpr std::size_t k_max_patterns = 32;
constexpr std::size_t k_max_pattern_bytes = 64;

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// "a.b_c" or "a.b.*": dot-separated words, the last one possibly "*".
bool valid_pattern(std::string_view p) {
    if (p == "*") return true;
    if (p.empty() || p.size() > k_max_pattern_bytes) return false;
    if (p.ends_with(".*")) p.remove_suffix(2);
    bool word_started = false;
    for (char c : p) {
        if (c == '.') {
            if (!word_started) return false;
            word_started = false;
        } else if (word_char(c)) {
            word_started = true;
        } else {
            return false;
        }
    }
    return word_started;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

}  // namespace

result<webhook_filter> webhook_filter::parse(const std::vector<std::string>& patterns) {
    if (patterns.size() > k_max_patterns)
        return make_error(webhook_errc::invalid_events,
                          "at most " + std::to_string(k_max_patterns) + " patterns", "events");
    webhook_filter f;
    for (const auto& p : patterns) {
        if (!valid_pattern(p))
            return make_error(webhook_errc::invalid_events,
                              "'" + p.substr(0, k_max_pattern_bytes) +
                                  "' is not an event type, a prefix such as breaker.* or *",
                              "events");
        if (p == "*") return webhook_filter{};  // everything: no list to keep
        if (std::find(f.patterns_.begin(), f.patterns_.end(), p) == f.patterns_.end())
            f.patterns_.push_back(p);
    }
    return f;
}

result<webhook_filter> webhook_filter::parse(std::string_view csv) {
    std::vector<std::string> parts;
    csv = trim(csv);
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        parts.emplace_back(trim(csv.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        csv.remove_prefix(comma + 1);
        if (trim(csv).empty()) parts.emplace_back();  // a trailing comma: an empty pattern
    }
    return parse(parts);
}

bool webhook_filter::matches(std::string_view type) const {
    if (patterns_.empty()) return true;
    for (const auto& p : patterns_) {
        if (p.ends_with(".*")) {
            // "breaker.*" takes "breaker.opened", not "breaker" nor "breakers.x".
            const std::string_view prefix(p.data(), p.size() - 1);
            if (type.starts_with(prefix) && type.size() > prefix.size()) return true;
        } else if (type == p) {
            return true;
        }
    }
    return false;
}

std::string webhook_filter::str() const {
    std::string out;
    for (const auto& p : patterns_) {
        if (!out.empty()) out += ',';
        out += p;
    }
    return out;
}

}  // namespace herald::ops
