#include "dedupe/content_hash.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace herald::dedupe {
namespace {

std::string to_hex(XXH128_hash_t h) {
    char out[33];
    std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                  static_cast<unsigned long long>(h.low64));
    return out;
}

// Each field is framed by its length, so ("ab","c") and ("a","bc") differ.
class canonical {
public:
    canonical() { XXH3_128bits_reset(state_); }
    ~canonical() { XXH3_freeState(state_); }
    canonical(const canonical&) = delete;
    canonical& operator=(const canonical&) = delete;

    void add(std::string_view s) {
        const std::uint64_t n = s.size();
        XXH3_128bits_update(state_, &n, sizeof n);
        XXH3_128bits_update(state_, s.data(), s.size());
    }
    std::string hex() const { return to_hex(XXH3_128bits_digest(state_)); }

private:
    XXH3_state_t* state_ = XXH3_createState();
};

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return std::string(s);
}

std::string unify_line_endings(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string attachment_digest(const attachment& a) {
    std::string b64;
    b64.reserve(a.content_b64.size());
    for (char c : a.content_b64)
        if (!std::isspace(static_cast<unsigned char>(c))) b64 += c;
    return a.filename + '\n' + a.content_type + '\n' + to_hex(XXH3_128bits(b64.data(), b64.size()));
}

void add_sorted(canonical& c, std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    c.add(std::to_string(v.size()));
    for (const auto& s : v)
        c.add(s);
}

void add_email(canonical& c, const email_message& e) {
    c.add(normalize_address(e.from));
    std::vector<std::string> rcpts;
    for (const auto* list : {&e.to, &e.cc, &e.bcc})
        for (const auto& r : *list)
            rcpts.push_back(normalize_address(r));
    add_sorted(c, std::move(rcpts));
    c.add(e.subject);
    c.add(unify_line_endings(e.text));
    c.add(unify_line_endings(e.html));
    std::vector<std::string> parts;
    for (const auto& a : e.attachments)
        parts.push_back(attachment_digest(a));
    add_sorted(c, std::move(parts));
}

}  // namespace

std::string normalize_address(std::string_view addr) {
    auto open = addr.rfind('<');
    auto close = addr.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open)
        addr = addr.substr(open + 1, close - open - 1);
    std::string out = trim(addr);
    auto at = out.rfind('@');
    if (at != std::string::npos)
        std::transform(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                       out.begin() + static_cast<std::ptrdiff_t>(at),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return out;
}

std::string content_hash(std::string_view tenant, const message& m) {
    canonical c;
    c.add("herald-content-v1");
    c.add(tenant);
    c.add(to_string(m.kind()));
    if (const auto* e = std::get_if<email_message>(&m.content)) {
        add_email(c, *e);
    } else {
        const auto& s = std::get<sms_message>(m.content);
        c.add(trim(s.from));
        c.add(trim(s.to));
        c.add(unify_line_endings(s.body));
    }
    return c.hex();
}

}  // namespace herald::dedupe
