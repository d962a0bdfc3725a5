// A message id: "<ms>-<seq>-<c><shard>", e.g. "1795679092742-0-e3": the
// message's first stream entry id (assigned by Redis at admission, so
// unique and ordered within one stream), the channel letter (e or s) and
// the shard, which together name the stream. Ids sort by admission time;
// the id stays the same when a retry re-appends the message.
#pragma once

#include "core/channel.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

struct message_id {
    std::int64_t ms = 0;
    std::uint64_t seq = 0;
    channel ch = channel::email;
    std::uint32_t shard = 0;

    static std::optional<message_id> parse(std::string_view s);
    // From a stream entry id ("ms-seq") and the stream it was appended to.
    static std::optional<message_id> from_entry(std::string_view entry_id, channel ch,
                                                std::uint32_t shard);
    std::string str() const;

    auto operator<=>(const message_id&) const = default;
};

}  // namespace herald
