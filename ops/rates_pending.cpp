// Stands in for ops/rates.cpp until the live rates land on main: an answer
// with no tenants and no queue, so /metrics writes the gauge families
// without their samples. Removed when main's rates: commit is merged.
#include "ops/rates.hpp"

namespace herald::ops {

boost::asio::awaitable<result<boost::json::object>> collect_rates(redis::client&, std::uint32_t,
                                                                  rates_query, std::uint64_t) {
    co_return boost::json::object{};
}

}  // namespace herald::ops
