// What `herald top` shows, from the JSON of ops::collect_rates (the answer
// of GET /v1/stats/rates, README "Live rates"): one row per tenant with
// the dashboard's columns, busiest first, as a terminal screen or as plain
// lines a script reads. Pure: no terminal and no Redis here, so the
// rendering is tested on fixed JSON (tests/app/top_view_test).
//
// Errors: read_snapshot refuses JSON that is not of the rates' shape with
// `invalid_argument` naming the member at fault.
#pragma once

#include "core/error.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herald::app::top {

struct row {
    std::string tenant;
    double rate = 0;       // offered per second (accepted + duplicate + refused), last 10 s
    double sent_rate = 0;  // delivered per second, last 10 s
    // Counts over the window, both channels.
    std::uint64_t delivered = 0, deferred = 0, bounced = 0, refused = 0;
    std::uint64_t queued = 0;  // in Redis now
    // The fullest of its volume quotas that has a limit; none when none has.
    std::optional<double> quota_percent;
    std::uint64_t storage_bytes = 0;
    // The fuller of its storage limits (bytes, messages); none without one.
    std::optional<double> storage_percent;
    std::string breaker;  // closed | half_open | open: the worst of its breakers
    bool paused = false;
};

struct snapshot {
    std::uint64_t now_ms = 0;
    std::uint32_t window_s = 0;
    std::vector<row> rows;  // by rate, highest first; ties by tenant
    std::uint64_t ready = 0, in_flight = 0, deferred = 0, dead = 0;
    bool backpressure = false;
    std::string backpressure_reason;
};

result<snapshot> read_snapshot(const boost::json::object& rates);

// One snapshot for a pipe: a "# <time> ..." line with the queue and
// backpressure as key=value, the column names, one line per tenant
// (columns separated by spaces, numbers unabridged: storage in bytes,
// QUOTA% "-" without a limit), then an empty line.
std::string plain(const snapshot& s);

// The terminal screen: at most `height` lines of at most `width`
// characters, no escape sequences; the column names are line
// k_header_line (the caller shows it highlighted). Rows that do not fit
// are counted in the last line.
inline constexpr std::size_t k_header_line = 2;
std::vector<std::string> screen(const snapshot& s, std::size_t width, std::size_t height);

}  // namespace herald::app::top
