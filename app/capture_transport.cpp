#include "app/capture_transport.hpp"

#include "core/log.hpp"
#include "mime/validate.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herald::app {

capture_transport::capture_transport(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
}

capture_transport::~capture_transport() {
    pool_.join();
}

boost::asio::awaitable<outcome> capture_transport::send(const delivery& d) {
    auto home = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(pool_.get_executor(), boost::asio::use_awaitable);
    outcome o = write(d);
    co_await boost::asio::post(home, boost::asio::use_awaitable);
    co_return o;
}

namespace {

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

outcome captured(std::string code, const std::filesystem::path& file) {
    auto o = outcome::delivered(std::move(code), file.string());
    o.relay = "capture";
    return o;
}

}  // namespace

outcome capture_transport::write(const delivery& d) {
    // Refused as the smtp transport would refuse it: capture is a stand-in
    // for delivery, never a looser door.
    if (auto ok = mime::validate(d.msg); !ok) return outcome::refused(ok.error());
    const std::string id = d.id.str();
    boost::json::object doc{{"id", id},
                            {"tenant", d.tenant},
                            {"channel", to_string(d.msg.kind())},
                            {"attempt", d.attempt},
                            {"message", boost::json::parse(serialize(d.msg))}};
    const std::string body = boost::json::serialize(doc) + "\n";
    const auto final_path = dir_ / (id + ".json");
    const auto tmp_path = dir_ / ("." + id + ".tmp." + std::to_string(::getpid()));

    int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return outcome::deferred("capture_io", std::strerror(errno));
    bool ok = write_all(fd, body);
    int saved = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp_path.c_str());
        return outcome::deferred("capture_io", std::strerror(saved));
    }
    // The point of no return: once linked, the message is captured.
    if (!d.may_commit()) {
        ::unlink(tmp_path.c_str());
        return outcome::lease_lost();
    }
    // link() refuses to replace an existing file, unlike rename().
    int rc = ::link(tmp_path.c_str(), final_path.c_str());
    saved = errno;
    ::unlink(tmp_path.c_str());
    if (rc == 0) return captured("captured", final_path);
    if (saved == EEXIST) {
        replays_.fetch_add(1);
        log::warn("capture.replayed", {{"id", id}});
        return captured("captured_before", final_path);
    }
    return outcome::deferred("capture_io", std::strerror(saved));
}

}  // namespace herald::app
