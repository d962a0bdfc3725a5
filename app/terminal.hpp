// The terminal `herald top` draws on: raw keys and the alternate screen
// while a raw_terminal lives, everything put back when it dies (on every
// way out of the command: q, Ctrl-C, a signal, an error or an exception).
// Keys arrive unbuffered and unechoed, Ctrl-C as byte 3 rather than
// SIGINT; output processing stays on, so "\n" still starts a new line.
#pragma once

#include <termios.h>

#include <cstddef>

namespace herald::app {

struct terminal_size {
    std::size_t columns = 80, rows = 24;
};

// stdout's size, or 80x24 when it has none.
terminal_size stdout_size();

class raw_terminal {
public:
    raw_terminal();  // stdin raw when it is a terminal; stdout to the alternate screen
    ~raw_terminal();
    raw_terminal(const raw_terminal&) = delete;
    raw_terminal& operator=(const raw_terminal&) = delete;

    bool keys() const { return raw_; }  // whether stdin gives keys

private:
    termios saved_{};
    bool raw_ = false;
    int saved_flags_ = -1;  // stdin's file flags: reading it with Asio sets O_NONBLOCK
};

}  // namespace herald::app
