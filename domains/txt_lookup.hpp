// One TXT question as the caller (the domain store, over c-ares) asked it
// and what came back, handed to the pure verdict functions of dkim_record
// and dmarc, which never query DNS themselves. Both "no such name" and "no
// TXT at the name" are an answer with no records; only a DNS server that
// did not answer (timeout, SERVFAIL) is `answered = false`, which the
// verdicts turn into temperror, never into fail.
//
// Limits: none here; the resolver bounds an answer to 64 KiB.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald::domains {

struct txt_lookup {
    std::string name;                  // the name asked, without the final dot
    std::vector<std::string> records;  // one per TXT record, its strings joined
    bool answered = true;              // false: timeout or SERVFAIL
    std::string failure;               // why not, when !answered ("timeout", "SERVFAIL")
};

// The lookup as verdict answers: one line per record,
// `TXT <name>: "<text>"` (quotes and backslashes escaped), or
// `TXT <name>: no record`, or `TXT <name>: no answer (<failure>)`.
std::vector<std::string> echo_answers(const txt_lookup& lookup);

// `text` in double quotes with `"` and `\` escaped, as a zone file and
// the answers show a character-string.
std::string quoted(std::string_view text);

}  // namespace herald::domains
