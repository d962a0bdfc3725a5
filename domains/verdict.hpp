// One verdict per record a sender domain publishes (ownership, spf, dkim,
// dmarc): whether it passes, why, and the DNS answers it was drawn from,
// so a tenant can see what herald saw. Verdicts are values, never errors:
// a record that is missing or wrong is what verification is for.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

enum class verdict_status {
    pass,       // published as herald needs it
    fail,       // missing or wrong: the tenant must change its DNS
    temperror,  // DNS did not answer (timeout, SERVFAIL): ask again later, never "fail"
};

std::string_view to_string(verdict_status s) noexcept;

struct verdict {
    std::string record;  // "ownership" | "spf" | "dkim" | "dmarc"
    verdict_status status = verdict_status::fail;
    std::string reason;                 // one sentence a tenant can act on
    std::vector<std::string> answers;   // "TXT _herald.example.com: \"herald-verify=...\""
    std::vector<std::string> warnings;  // passes, but worth changing
    boost::json::object details;        // per record: the policy, the alignment, the SPF trace

    bool passed() const noexcept { return status == verdict_status::pass; }
};

boost::json::object to_json(const verdict& v);

}  // namespace herald::domains
