#include "domains/rechecker.hpp"

#include "core/log.hpp"
#include "domains/errors.hpp"

namespace herald::domains {

namespace asio = boost::asio;

rechecker::rechecker(asio::any_io_executor ex, service& s, std::uint32_t shards, const clock& clk,
                     rechecker_options opt)
    : service_(s), shards_(shards), clock_(clk), opt_(std::move(opt)), wake_(std::move(ex)) {}

asio::awaitable<std::size_t> rechecker::run_once() {
    std::size_t checked = 0;
    for (std::uint32_t shard = 0; shard < shards_ && !stopping_; ++shard) {
        auto due = co_await service_.records().due(shard, clock_.now_ms(), opt_.per_shard);
        if (!due) {
            log::warn("domain.recheck_failed", {{"error", due.error().to_string()}});
            co_return checked;
        }
        for (const auto& c : *due) {
            auto mine = co_await service_.records().lease_check(c, opt_.holder, opt_.lease_ms);
            if (!mine || !*mine) continue;  // another checker has it, or Redis is away
            auto d = co_await service_.verify(c.tenant, c.domain, clock_.now_ms());
            const bool gone =
                !d && d.error().code == make_error_code(domain_errc::domain_not_found);
            co_await service_.records().release_check(c, gone);
            if (!d) {
                log::warn(
                    "domain.recheck_failed",
                    {{"tenant", c.tenant}, {"domain", c.domain}, {"error", d.error().to_string()}});
                continue;
            }
            ++checked;
            log::info("domain.rechecked",
                      {{"tenant", c.tenant}, {"domain", c.domain}, {"state", to_string(d->state)}});
        }
    }
    co_return checked;
}

asio::awaitable<void> rechecker::run() {
    while (!stopping_) {
        co_await run_once();
        if (!stopping_) co_await wake_.wait_for(opt_.interval);
    }
}

void rechecker::stop() {
    stopping_ = true;
    wake_.notify_all();
}

}  // namespace herald::domains
