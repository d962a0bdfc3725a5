#include "queue/keys.hpp"

#include <boost/crc.hpp>

namespace herald::queue {

std::uint32_t shard_of(std::string_view tenant, std::uint32_t shards) {
    boost::crc_32_type crc;
    crc.process_bytes(tenant.data(), tenant.size());
    return crc.checksum() % shards;
}

std::string shard_prefix(std::uint32_t shard) {
    return "hd:{s" + std::to_string(shard) + "}";
}

std::string ingress_key(std::uint32_t shard, channel ch) {
    return shard_prefix(shard) + ":in:" + std::string(to_string(ch));
}

std::string dead_key(std::uint32_t shard) {
    return shard_prefix(shard) + ":dead";
}

}  // namespace herald::queue
