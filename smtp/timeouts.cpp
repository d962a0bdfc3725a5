#include "smtp/timeouts.hpp"

namespace herald::smtp {

milliseconds timeouts::of(phase p) const noexcept {
    switch (p) {
        case phase::connect:
            return connect;
        case phase::greeting:
            return greeting;
        case phase::ehlo:
        case phase::helo:
            return ehlo;
        case phase::starttls:
            return starttls;
        case phase::auth:
            return auth;
        case phase::mail:
            return mail;
        case phase::rcpt:
            return rcpt;
        case phase::data:
            return data;
        case phase::data_block:
            return data_block;
        case phase::data_done:
            return data_done;
        case phase::rset:
            return rset;
        case phase::quit:
            return quit;
    }
    return connect;
}

timeouts timeouts::all(milliseconds d) noexcept {
    return {d, d, d, d, d, d, d, d, d, d, d, d};
}

std::string_view describe(phase p) noexcept {
    switch (p) {
        case phase::connect:
            return "connecting";
        case phase::greeting:
            return "receiving the initial server greeting";
        case phase::ehlo:
            return "performing the EHLO handshake";
        case phase::helo:
            return "performing the HELO handshake";
        case phase::starttls:
            return "performing the STARTTLS handshake";
        case phase::auth:
            return "authenticating";
        case phase::mail:
            return "sending MAIL FROM";
        case phase::rcpt:
            return "sending RCPT TO";
        case phase::data:
            return "sending DATA command";
        case phase::data_block:
            return "sending message body";
        case phase::data_done:
            return "waiting for the reply to end of data -- message may already be delivered";
        case phase::rset:
            return "sending RSET";
        case phase::quit:
            return "sending QUIT";
    }
    return "talking";
}

std::string_view command_name(phase p) noexcept {
    switch (p) {
        case phase::connect:
            return "connect";
        case phase::greeting:
            return "initial greeting";
        case phase::ehlo:
            return "EHLO";
        case phase::helo:
            return "HELO";
        case phase::starttls:
            return "STARTTLS";
        case phase::auth:
            return "AUTH";
        case phase::mail:
            return "MAIL FROM";
        case phase::rcpt:
            return "RCPT TO";
        case phase::data:
        case phase::data_block:
            return "DATA";
        case phase::data_done:
            return "end of DATA";
        case phase::rset:
            return "RSET";
        case phase::quit:
            return "QUIT";
    }
    return "command";
}

std::string_view to_string(phase p) noexcept {
    switch (p) {
        case phase::connect:
            return "connect";
        case phase::greeting:
            return "greeting";
        case phase::ehlo:
            return "ehlo";
        case phase::helo:
            return "helo";
        case phase::starttls:
            return "starttls";
        case phase::auth:
            return "auth";
        case phase::mail:
            return "mail";
        case phase::rcpt:
            return "rcpt";
        case phase::data:
            return "data";
        case phase::data_block:
            return "data_block";
        case phase::data_done:
            return "data_done";
        case phase::rset:
            return "rset";
        case phase::quit:
            return "quit";
    }
    return "unknown";
}

}  // namespace herald::smtp
