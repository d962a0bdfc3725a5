// A small cache of DNS answers for SPF evaluations, honouring each
// answer's TTL (dns::answer_ttl: the records' lowest TTL, or the SOA's
// negative TTL for NXDOMAIN and NODATA). c-ares 1.18.1 has no query cache
// (it came in 1.23), and evaluating one domain's record for several IPs,
// or many messages from one domain, asks the same names again and again.
//
// Failures (timeouts, SERVFAIL) are never kept: the next evaluation asks
// again. Bounded: at most `max_entries` answers, the least recently used
// dropped first; a TTL above `max_ttl` is cut to it.
//
// Thread model: none; like the resolver, one cache per executor.
#pragma once

#include "dns/ares_driver.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace herald::domains::spf {

class answer_cache {
public:
    using clock = std::chrono::steady_clock;

    explicit answer_cache(std::size_t max_entries = 4096,
                          std::chrono::seconds max_ttl = std::chrono::hours(1));

    // The answer for (type, name) if still fresh; nullptr otherwise.
    const dns::raw_answer* find(int type, const std::string& name, clock::time_point now);
    // Keeps `a` for its TTL when it has one (see answer_ttl); else nothing.
    void store(int type, const std::string& name, dns::raw_answer a, clock::time_point now);

    std::size_t size() const noexcept { return map_.size(); }
    std::uint64_t hits() const noexcept { return hits_; }
    std::uint64_t misses() const noexcept { return misses_; }

private:
    struct entry {
        std::string key;
        dns::raw_answer answer;
        clock::time_point expires;
    };
    static std::string key_of(int type, const std::string& name);

    std::size_t max_entries_;
    std::chrono::seconds max_ttl_;
    std::list<entry> lru_;  // most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> map_;
    std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace herald::domains::spf
