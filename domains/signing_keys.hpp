// The keys workers sign with, from the domain store (dkim/key_source.hpp):
// the active selectors of a tenant's verified (or regressed, within its
// grace) domain, unsealed with the master key and parsed once per process,
// and again only when the domain's record changes (its version `v`).
//
// Per message it costs nothing while an entry is fresh (`refresh`); then
// one HGET of the version; a reload only after a change. A pending domain
// signs nothing (its record may not be published yet); a failed one may
// not send at all. A key that does not unseal (another master key) is an
// error for that message, never a signature made with garbage.
//
// Thread model: one executor (the worker's); the cache is bounded.
#pragma once

#include "core/clock.hpp"
#include "dkim/key_source.hpp"
#include "domains/master_key.hpp"
#include "domains/store.hpp"

#include <chrono>
#include <map>

namespace herald::domains {

class signing_keys final : public dkim::key_source {
public:
    signing_keys(redis::client& redis, std::uint32_t shards, result<master_key> mk,
                 const clock& clk, std::chrono::milliseconds refresh = std::chrono::seconds(5));

    boost::asio::awaitable<result<dkim::tenant_keys>> keys_for(std::string_view tenant,
                                                               std::string_view domain) override;

    std::size_t reloads() const noexcept { return reloads_; }

private:
    struct entry {
        std::int64_t version = -1;
        millis checked = 0;  // by the herald clock, so tests can move it
        dkim::tenant_keys keys;
    };
    boost::asio::awaitable<result<dkim::tenant_keys>> load(std::string_view tenant,
                                                           std::string_view domain);

    store store_;
    result<master_key> master_key_;
    const clock& clock_;
    std::chrono::milliseconds refresh_;
    std::map<std::string, entry, std::less<>> cache_;
    std::size_t reloads_ = 0;
};

}  // namespace herald::domains
