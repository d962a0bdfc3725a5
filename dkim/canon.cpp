#include "dkim/canon.hpp"

#include "dkim/errors.hpp"

#include <strings.h>

namespace herald::dkim {
namespace {

bool is_wsp(char c) noexcept {
    return c == ' ' || c == '\t';
}

bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

result<split_result> split_message(std::string_view message) {
    split_result out;
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto eol = message.find("\r\n", pos);
        if (eol == std::string_view::npos) eol = message.size();
        if (eol == pos) {  // the blank line
            out.body = message.substr(std::min(pos + 2, message.size()));
            return out;
        }
        const auto line = message.substr(pos, eol - pos);
        if (is_wsp(line.front())) {
            if (out.headers.empty())
                return make_error(dkim_errc::failed, "message starts with a continuation");
            auto& last = out.headers.back();
            last.raw = message.substr(last.raw.data() - message.data(),
                                      eol - (last.raw.data() - message.data()));
        } else {
            const auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0)
                return make_error(dkim_errc::failed, "header line without a field name");
            auto name = line.substr(0, colon);
            while (!name.empty() && is_wsp(name.back()))
                name.remove_suffix(1);
            out.headers.push_back({name, line});
        }
        pos = eol + 2;
    }
    return out;
}

void append_relaxed_header(std::string& out, std::string_view raw) {
    const auto colon = raw.find(':');
    auto name = raw.substr(0, colon);
    while (!name.empty() && is_wsp(name.back()))
        name.remove_suffix(1);
    for (char c : name)
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    out += ':';
    // Unfolding drops CR and LF; what remains of the fold is whitespace,
    // which joins its run.
    bool space = false, started = false;
    for (char c : raw.substr(colon + 1)) {
        if (c == '\r' || c == '\n') continue;
        if (is_wsp(c)) {
            space = started;
            continue;
        }
        if (space) out += ' ';
        space = false;
        started = true;
        out += c;
    }
}

selection select_headers(const std::vector<header_field>& headers,
                         const std::vector<std::string>& sign,
                         const std::vector<std::string>& oversign) {
    selection s;
    for (const auto& name : sign) {
        for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
            if (!same_name(it->name, name)) continue;
            s.names.push_back(name);
            s.raws.push_back(it->raw);
        }
    }
    for (const auto& name : oversign)
        s.names.push_back(name);
    return s;
}

}  // namespace herald::dkim
