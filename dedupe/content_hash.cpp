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

// Each field is followed by its length, so ("ab","c") and ("a","bc")
// differ (the encoding parses back from the end). Fields stream into the
// hash: nothing is copied, however large the bodies.
class canonical {
public:
    canonical() { XXH3_128bits_reset(state_); }
    ~canonical() { XXH3_freeState(state_); }
    canonical(const canonical&) = delete;
    canonical& operator=(const canonical&) = delete;

    void update(std::string_view s) { XXH3_128bits_update(state_, s.data(), s.size()); }
    void end_field(std::uint64_t length) { XXH3_128bits_update(state_, &length, sizeof length); }
    void add(std::string_view s) {
        update(s);
        end_field(s.size());
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

// A body with CR LF and lone CR read as LF.
void add_text(canonical& c, std::string_view s) {
    std::uint64_t length = 0;
    for (;;) {
        const auto cr = s.find('\r');
        const auto part = s.substr(0, cr);
        c.update(part);
        length += part.size();
        if (cr == std::string_view::npos) break;
        c.update("\n");
        ++length;
        s.remove_prefix(cr + 1);
        if (!s.empty() && s.front() == '\n') s.remove_prefix(1);
    }
    c.end_field(length);
}

// An attachment: its name, type and the digest of its base64 content with
// line breaks and other whitespace left out.
std::string attachment_digest(const attachment& a) {
    canonical content;
    std::string_view b64 = a.content_b64;
    std::uint64_t length = 0;
    auto is_space = [](char ch) { return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t'; };
    while (!b64.empty()) {
        const auto ws = std::find_if(b64.begin(), b64.end(), is_space);
        const auto n = static_cast<std::size_t>(ws - b64.begin());
        content.update(b64.substr(0, n));
        length += n;
        b64.remove_prefix(ws == b64.end() ? n : n + 1);
    }
    content.end_field(length);
    return a.filename + '\n' + a.content_type + '\n' + content.hex();
}

void sort_unique(std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

void add_sorted(canonical& c, std::vector<std::string> v) {
    sort_unique(v);
    c.add(std::to_string(v.size()));
    for (const auto& s : v)
        c.add(s);
}

std::vector<std::string> email_recipients(const email_message& e) {
    std::vector<std::string> out;
    for (const auto* list : {&e.to, &e.cc, &e.bcc})
        for (const auto& r : *list)
            out.push_back(normalize_address(r));
    return out;
}

void add_email(canonical& c, const email_message& e) {
    c.add(normalize_address(e.from));
    add_sorted(c, email_recipients(e));
    c.add(e.subject);
    add_text(c, e.text);
    add_text(c, e.html);
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

std::vector<std::string> recipients(const message& m) {
    if (const auto* e = std::get_if<email_message>(&m.content)) {
        auto out = email_recipients(*e);
        sort_unique(out);
        return out;
    }
    return {trim(std::get<sms_message>(m.content).to)};
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
        add_text(c, s.body);
    }
    return c.hex();
}

}  // namespace herald::dedupe
