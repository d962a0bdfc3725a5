// Every key of a shard is "hd:{sN}" + a suffix from this table [+ parts].
// The table is the one place a key's name is spelled: queue/keys builds
// the C++ side from it, and app/schema_gen writes it into the Lua library
// as K (shard .. K.deferred), so the functions never spell a key either.
// Header-only, for the generator.
#pragma once

#include <array>
#include <string_view>

namespace herald::queue {

struct key_name {
    std::string_view name;    // K.<name> in Lua
    std::string_view suffix;  // after "hd:{sN}"
};

inline constexpr std::array k_key_names{
    key_name{"meta", ":meta"},         key_name{"ingress", ":in:"},   key_name{"retry", ":retry"},
    key_name{"deferred", ":deferred"}, key_name{"lease", ":lease:"},  key_name{"clock", ":clock"},
    key_name{"done", ":done:"},        key_name{"dead", ":dead"},     key_name{"events", ":events"},
    key_name{"tenant", ":tenant:"},    key_name{"stat", ":stat:"},    key_name{"breaker", ":brk:"},
    key_name{"breakers", ":brks:"},    key_name{"counters", ":cnt:"}, key_name{"rate", ":rate:"},
    key_name{"idempotency", ":idem:"}, key_name{"dedupe", ":dd:"},    key_name{"limiter", ":rl:"},
    key_name{"quota", ":quota:"},      key_name{"usage", ":usage:"},  key_name{"sent", ":sent:"},
    key_name{"suppression", ":supp:"},
};

// The suffix of key `name`; a name not in the table does not compile.
consteval std::string_view key_suffix(std::string_view name) {
    for (const auto& k : k_key_names)
        if (k.name == name) return k.suffix;
    throw "unknown key name";
}

}  // namespace herald::queue
