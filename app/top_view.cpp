#include "app/top_view.hpp"

#include "core/clock.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace herald::app::top {
namespace {

namespace json = boost::json;

// ---- reading -----------------------------------------------------------------------

error bad(std::string what, std::string field) {
    return at_field(make_error(errc::invalid_argument, "rates: " + what), std::move(field));
}

std::optional<double> number(const json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    if (v->is_double()) return v->get_double();
    return std::nullopt;
}

// A count the JSON may leave out (0) but never gives as something else.
result<std::uint64_t> count(const json::object& o, std::string_view name, const std::string& at) {
    const auto* v = o.if_contains(name);
    if (!v) return std::uint64_t{0};
    auto n = number(v);
    if (!n || *n < 0) return bad("not a count", at + "." + std::string(name));
    return static_cast<std::uint64_t>(*n);
}

const json::object* object_of(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

// used / limit as a percentage; none without a limit.
std::optional<double> percent(const json::value* used, const json::value* limit) {
    auto l = number(limit);
    auto u = number(used);
    if (!l || !u) return std::nullopt;
    return *l > 0 ? 100.0 * *u / *l : 100.0;
}

void keep_max(std::optional<double>& into, std::optional<double> v) {
    if (v && (!into || *v > *into)) into = v;
}

// The fullest quota: {"email": {"day": {"used", "limit"}, ...}, ...}.
std::optional<double> fullest_quota(const json::object* quota) {
    std::optional<double> out;
    if (!quota) return out;
    for (const auto& [ch, periods] : *quota) {
        if (!periods.is_object()) continue;
        for (const auto& [period, v] : periods.get_object()) {
            if (!v.is_object()) continue;
            keep_max(out, percent(v.get_object().if_contains("used"),
                                  v.get_object().if_contains("limit")));
        }
    }
    return out;
}

result<row> read_row(const json::value& v, std::size_t i) {
    const std::string at = "tenants[" + std::to_string(i) + "]";
    if (!v.is_object()) return bad("not an object", at);
    const auto& o = v.get_object();
    row r;
    const auto* tenant = o.if_contains("tenant");
    if (!tenant || !tenant->is_string()) return bad("no tenant", at + ".tenant");
    r.tenant = std::string(tenant->get_string());
    r.rate = number(o.if_contains("rate")).value_or(0);
    r.sent_rate = number(o.if_contains("sent_rate")).value_or(0);
    if (const auto* totals = object_of(o, "totals")) {
        auto d = count(*totals, "delivered", at + ".totals");
        auto df = count(*totals, "deferred", at + ".totals");
        auto b = count(*totals, "bounced", at + ".totals");
        auto rf = count(*totals, "refused", at + ".totals");
        if (!d) return d.error();
        if (!df) return df.error();
        if (!b) return b.error();
        if (!rf) return rf.error();
        r.delivered = *d, r.deferred = *df, r.bounced = *b, r.refused = *rf;
    }
    if (const auto* q = object_of(o, "queue")) {
        auto n = count(*q, "queued", at + ".queue");
        if (!n) return n.error();
        r.queued = *n;
    }
    r.quota_percent = fullest_quota(object_of(o, "quota"));
    if (const auto* s = object_of(o, "storage")) {
        auto b = count(*s, "bytes", at + ".storage");
        if (!b) return b.error();
        r.storage_bytes = *b;
        keep_max(r.storage_percent,
                 percent(s->if_contains("bytes"), s->if_contains("bytes_limit")));
        keep_max(r.storage_percent,
                 percent(s->if_contains("messages"), s->if_contains("messages_limit")));
    }
    const auto* breaker = o.if_contains("breaker");
    r.breaker = breaker && breaker->is_string() ? std::string(breaker->get_string()) : "closed";
    const auto* paused = o.if_contains("paused");
    r.paused = paused && paused->is_bool() && paused->get_bool();
    return r;
}

// ---- writing -----------------------------------------------------------------------

std::string fixed1(double v) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1f", v);
    return buf.data();
}

std::string human_bytes(std::uint64_t n) {
    static constexpr std::array<const char*, 5> units{"B", "K", "M", "G", "T"};
    double v = static_cast<double>(n);
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < units.size()) {
        v /= 1024;
        ++u;
    }
    return (u == 0 ? std::to_string(n) : fixed1(v)) + units[u];
}

std::string quota_text(const row& r) {
    return r.quota_percent ? fixed1(*r.quota_percent) : "-";
}

std::string breaker_text(const row& r) {
    return r.paused ? r.breaker + ",paused" : r.breaker;
}

struct column {
    std::string_view name;
    bool left;  // text columns align left, numbers right
};

constexpr std::array<column, 11> k_columns{{{"TENANT", true},
                                            {"RATE", false},
                                            {"SENT/S", false},
                                            {"DELIVERED", false},
                                            {"DEFERRED", false},
                                            {"BOUNCED", false},
                                            {"REFUSED", false},
                                            {"QUEUED", false},
                                            {"QUOTA%", false},
                                            {"STORAGE", false},
                                            {"BREAKER", true}}};

using cells = std::array<std::string, k_columns.size()>;

cells row_cells(const row& r, bool human) {
    std::string storage = human ? human_bytes(r.storage_bytes) : std::to_string(r.storage_bytes);
    if (human && r.storage_percent) storage += " " + fixed1(*r.storage_percent) + "%";
    return {r.tenant,
            fixed1(r.rate),
            fixed1(r.sent_rate),
            std::to_string(r.delivered),
            std::to_string(r.deferred),
            std::to_string(r.bounced),
            std::to_string(r.refused),
            std::to_string(r.queued),
            quota_text(r),
            std::move(storage),
            breaker_text(r)};
}

cells header_cells() {
    cells c;
    for (std::size_t i = 0; i < k_columns.size(); ++i)
        c[i] = std::string(k_columns[i].name);
    return c;
}

// Every table line, columns padded to the widest cell.
std::vector<std::string> table(const snapshot& s, bool human) {
    std::vector<cells> all{header_cells()};
    for (const auto& r : s.rows)
        all.push_back(row_cells(r, human));
    std::array<std::size_t, k_columns.size()> width{};
    for (const auto& c : all)
        for (std::size_t i = 0; i < c.size(); ++i)
            width[i] = std::max(width[i], c[i].size());
    std::vector<std::string> lines;
    for (const auto& c : all) {
        std::string line;
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (i) line += "  ";
            const std::string pad(width[i] - c[i].size(), ' ');
            const bool last = i + 1 == c.size();
            line += k_columns[i].left ? c[i] + (last ? "" : pad) : pad + c[i];
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

std::string queue_text(const snapshot& s, bool kv) {
    if (kv)
        return "ready=" + std::to_string(s.ready) + " in_flight=" + std::to_string(s.in_flight) +
               " deferred=" + std::to_string(s.deferred) + " dead=" + std::to_string(s.dead) +
               " backpressure=" + (s.backpressure ? "on" : "off");
    return "queue " + std::to_string(s.ready) + " ready, " + std::to_string(s.in_flight) +
           " in flight, " + std::to_string(s.deferred) + " deferred, " + std::to_string(s.dead) +
           " dead";
}

std::string clip(std::string line, std::size_t width) {
    if (line.size() > width) line.resize(width);
    return line;
}

}  // namespace

result<snapshot> read_snapshot(const json::object& rates) {
    snapshot s;
    auto now = number(rates.if_contains("now_ms"));
    if (!now || *now < 0) return bad("no now_ms", "now_ms");
    s.now_ms = static_cast<std::uint64_t>(*now);
    s.window_s = static_cast<std::uint32_t>(number(rates.if_contains("window_s")).value_or(0));
    const auto* tenants = rates.if_contains("tenants");
    if (!tenants || !tenants->is_array()) return bad("no tenants array", "tenants");
    for (std::size_t i = 0; i < tenants->get_array().size(); ++i) {
        auto r = read_row(tenants->get_array()[i], i);
        if (!r) return r.error();
        s.rows.push_back(std::move(*r));
    }
    std::stable_sort(s.rows.begin(), s.rows.end(), [](const row& a, const row& b) {
        return a.rate != b.rate ? a.rate > b.rate : a.tenant < b.tenant;
    });
    if (const auto* q = object_of(rates, "queue")) {
        auto ready = count(*q, "ready", "queue");
        auto in_flight = count(*q, "in_flight", "queue");
        auto deferred = count(*q, "deferred", "queue");
        auto dead = count(*q, "dead", "queue");
        if (!ready) return ready.error();
        if (!in_flight) return in_flight.error();
        if (!deferred) return deferred.error();
        if (!dead) return dead.error();
        s.ready = *ready, s.in_flight = *in_flight, s.deferred = *deferred, s.dead = *dead;
    }
    if (const auto* bp = object_of(rates, "backpressure")) {
        const auto* on = bp->if_contains("on");
        s.backpressure = on && on->is_bool() && on->get_bool();
        const auto* reason = bp->if_contains("reason");
        if (reason && reason->is_string()) s.backpressure_reason = reason->get_string();
    }
    return s;
}

std::string plain(const snapshot& s) {
    std::string out = "# " + rfc3339(s.now_ms) + " window=" + std::to_string(s.window_s) + "s " +
                      queue_text(s, true) + "\n";
    for (const auto& line : table(s, false))
        out += line + "\n";
    return out + "\n";
}

std::vector<std::string> screen(const snapshot& s, std::size_t width, std::size_t height) {
    std::vector<std::string> lines;
    if (height == 0 || width == 0) return lines;
    lines.push_back("herald top  " + rfc3339(s.now_ms) + "  counts over " +
                    std::to_string(s.window_s) + " s  " + queue_text(s, false) + "  (q: quit)");
    std::string alert;
    for (const auto& r : s.rows)
        if (r.breaker == "open") alert += (alert.empty() ? "" : ", ") + r.tenant;
    if (!alert.empty()) alert = "! breaker open: " + alert;
    if (s.backpressure)
        alert += std::string(alert.empty() ? "" : "  ") + "! backpressure on" +
                 (s.backpressure_reason.empty() ? "" : ": " + s.backpressure_reason);
    lines.push_back(std::move(alert));
    auto rows = table(s, true);
    const std::size_t room = height > k_header_line ? height - k_header_line : 0;
    if (rows.size() > room && room > 0) {
        const auto shown = room - 1;  // the last line says what is left out
        const auto hidden = rows.size() - shown;
        rows.resize(shown);
        rows.push_back("... " + std::to_string(hidden) + " more tenants");
    }
    for (auto& r : rows)
        lines.push_back(std::move(r));
    if (s.rows.empty() && lines.size() < height) lines.push_back("(no tenants)");
    if (lines.size() > height) lines.resize(height);
    for (auto& l : lines)
        l = clip(std::move(l), width);
    return lines;
}

}  // namespace herald::app::top
