// Asks DNS for every record a sender domain publishes and gives one
// verdict per record (domains/verdict.hpp): ownership (the _herald TXT
// token), SPF (RFC 7208 check_host for every configured sending address),
// DKIM (one verdict per selector, its "selector" in details) and DMARC
// (policy and alignment). Never blocks: c-ares on the resolver's executor.
#pragma once

#include "core/config.hpp"
#include "dns/resolver.hpp"
#include "domains/sender_domain.hpp"
#include "domains/txt_lookup.hpp"
#include "domains/verdict.hpp"

#include <boost/asio/awaitable.hpp>

#include <vector>

namespace herald::domains {

boost::asio::awaitable<std::vector<verdict>> verify_records(dns::resolver& r,
                                                            const sender_domain& d,
                                                            const domains_config& cfg);

// One TXT question as the verdicts take it: no such name and no TXT are
// answers without records; a server that failed us is no answer.
boost::asio::awaitable<txt_lookup> ask_txt(dns::resolver& r, std::string name);

// The ownership verdict from the TXT answers at _herald.<domain>.
verdict ownership_verdict(const sender_domain& d, const txt_lookup& txt);

}  // namespace herald::domains
