#include "smtp/dot_stuff.hpp"

namespace herald::smtp {

std::string dot_stuff(std::string_view message) {
    std::string out;
    out.reserve(message.size() + message.size() / 64 + 8);
    if (message.starts_with('.')) out += '.';
    std::size_t from = 0;
    for (;;) {
        const auto p = message.find("\n.", from);
        if (p == std::string_view::npos) break;
        out.append(message, from, p + 1 - from);
        out += '.';
        from = p + 1;
    }
    out.append(message, from);
    return out;
}

}  // namespace herald::smtp
