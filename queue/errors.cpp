#include "queue/errors.hpp"

namespace herald::queue {
namespace {

class queue_category_impl final : public error_category {
public:
    const char* name() const noexcept override { return "herald.queue"; }
    std::string message(int ev) const override { return std::string(code_name(ev)); }
    std::string_view code_name(int ev) const noexcept override {
        switch (static_cast<queue_errc>(ev)) {
            case queue_errc::connection_lost:
                return "redis_connection_lost";
            case queue_errc::not_connected:
                return "redis_unavailable";
            case queue_errc::timeout:
                return "redis_timeout";
            case queue_errc::server_error:
                return "redis_error";
            case queue_errc::out_of_memory:
                return "backpressure";
            case queue_errc::protocol:
                return "redis_protocol";
            case queue_errc::stopped:
                return "stopped";
        }
        return "unknown";
    }
    int http_status(int ev) const noexcept override {
        return static_cast<queue_errc>(ev) == queue_errc::protocol ? 500 : 503;
    }
};

}  // namespace

const error_category& queue_category() noexcept {
    static const queue_category_impl cat;
    return cat;
}

std::error_code make_error_code(queue_errc e) noexcept {
    return {static_cast<int>(e), queue_category()};
}

error make_error(queue_errc e, std::string detail) {
    return {make_error_code(e), std::move(detail)};
}

}  // namespace herald::queue
