// What one check_host() found, and how: the result, the explanation (for
// fail), the term that decided, every DNS question with its answers and
// the lookup count at that point, and warnings about the published
// records. A value for `herald spf check`, the domain verdicts and logs.
#pragma once

#include "domains/spf/result.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace herald::domains::spf {

struct step {
    std::string domain;                // whose record the term belongs to
    std::string term;                  // "include:_spf.example.com", "(record)", "exp=..."
    std::string lookup;                // "TXT _spf.example.com"; empty: no DNS
    std::vector<std::string> answers;  // the records, or "NXDOMAIN", "NODATA", "SERVFAIL ..."
    int lookups_so_far = 0;            // counted DNS-querying terms after this one
    int void_so_far = 0;               // void lookups after this one
    std::string outcome;               // "match", "no match", "void", the error...
};

struct evaluation {
    result code = result::none;
    std::string explanation;             // fail only: the exp= text, or herald's default
    bool explanation_published = false;  // the explanation came from an exp= record
    std::string decided_by;              // "example.com: -all", or why it stopped
    std::vector<step> trace;
    int dns_lookups = 0;   // counted against max_lookups (10)
    int void_lookups = 0;  // counted against max_void (2)
    int max_lookups = 10;
    int max_void = 2;
    std::vector<std::string> warnings;
};

boost::json::object to_json(const evaluation& e);

}  // namespace herald::domains::spf
