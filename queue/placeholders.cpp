// PLACEHOLDER until h5-queue-ops lands.
#include "queue/dead_letters.hpp"
#include "queue/status.hpp"
#include "queue/suppressions.hpp"

namespace herald::queue {
namespace asio = boost::asio;
namespace {
error not_yet() { return make_error(errc::internal, "not yet"); }
}
std::string_view to_string(message_state) noexcept { return "queued"; }
asio::awaitable<result<std::optional<message_status>>> read_status(redis::client&, std::uint32_t, std::string_view, const message_id&) { co_return not_yet(); }
asio::awaitable<result<suppression_page>> list_suppressions(redis::client&, std::uint32_t, std::string_view, std::string_view, std::size_t) { co_return not_yet(); }
asio::awaitable<result<void>> add_suppression(redis::client&, std::uint32_t, std::string_view, std::string_view, std::string_view, std::uint64_t) { co_return not_yet(); }
asio::awaitable<result<bool>> remove_suppression(redis::client&, std::uint32_t, std::string_view, std::string_view) { co_return not_yet(); }
asio::awaitable<result<dead_page>> list_dead(redis::client&, std::uint32_t, std::string_view, std::string_view, std::size_t) { co_return not_yet(); }
asio::awaitable<result<bool>> requeue_dead(redis::client&, std::uint32_t, std::string_view, const message_id&) { co_return not_yet(); }
asio::awaitable<result<std::uint64_t>> purge_dead(redis::client&, std::uint32_t, std::string_view) { co_return not_yet(); }
}
