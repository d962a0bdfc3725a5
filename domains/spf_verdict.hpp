// The SPF verdict of a sender domain: RFC 7208 check_host (domains/spf)
// for every address herald sends from (domains.sending_ips), all of which
// must pass. A temperror of any is the verdict's temperror; permerror,
// fail, softfail, neutral and none are a fail whose reason says which.
// Configured with only domains.spf_include (herald's own SPF domain, whose
// addresses herald does not list), the verdict checks instead that the
// domain's one v=spf1 record includes it.
#pragma once

#include "core/config.hpp"
#include "dns/resolver.hpp"
#include "domains/verdict.hpp"

#include <boost/asio/awaitable.hpp>

namespace herald::domains {

boost::asio::awaitable<verdict> spf_verdict(dns::resolver& r, std::string domain,
                                            const domains_config& cfg);

}  // namespace herald::domains
