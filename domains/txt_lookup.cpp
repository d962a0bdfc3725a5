#include "domains/txt_lookup.hpp"

namespace herald::domains {

std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::vector<std::string> echo_answers(const txt_lookup& lookup) {
    const std::string head = "TXT " + lookup.name + ": ";
    if (!lookup.answered) return {head + "no answer (" + lookup.failure + ")"};
    if (lookup.records.empty()) return {head + "no record"};
    std::vector<std::string> out;
    out.reserve(lookup.records.size());
    for (const auto& r : lookup.records)
        out.push_back(head + quoted(r));
    return out;
}

}  // namespace herald::domains
