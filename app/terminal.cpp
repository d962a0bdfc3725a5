#include "app/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <string_view>

namespace herald::app {
namespace {

// Straight to the descriptor: the destructor must not depend on a stream's
// state, and the sequences are short.
void put(std::string_view s) {
    while (!s.empty()) {
        const auto n = ::write(STDOUT_FILENO, s.data(), s.size());
        if (n <= 0) return;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

terminal_size stdout_size() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) return {};
    return {ws.ws_col, ws.ws_row};
}

raw_terminal::raw_terminal() {
    saved_flags_ = ::fcntl(STDIN_FILENO, F_GETFL);
    if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
        termios t = saved_;
        t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
        t.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        raw_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
    }
    // The alternate screen, cursor hidden, cleared.
    put("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
}

raw_terminal::~raw_terminal() {
    put("\x1b[0m\x1b[?25h\x1b[?1049l");
    if (raw_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    if (saved_flags_ != -1) ::fcntl(STDIN_FILENO, F_SETFL, saved_flags_);
}

}  // namespace herald::app
