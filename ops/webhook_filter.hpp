// Which events an endpoint gets: a list of patterns, each an exact type
// ("message.delivered"), a prefix ("breaker.*": every type that starts
// with "breaker."), or "*"; no pattern means every event.
//
// Errors: parse() refuses anything else with `invalid_events` (field
// `events`). Limits: at most 32 patterns of at most 64 bytes each.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace herald::ops {

class webhook_filter {
public:
    // "a,b.*" (spaces around commas ignored); empty text: every event.
    static result<webhook_filter> parse(std::string_view csv);
    static result<webhook_filter> parse(const std::vector<std::string>& patterns);

    bool matches(std::string_view type) const;
    bool all() const { return patterns_.empty(); }
    const std::vector<std::string>& patterns() const { return patterns_; }
    std::string str() const;  // the patterns joined by ",", as stored

private:
    std::vector<std::string> patterns_;
};

}  // namespace herald::ops
