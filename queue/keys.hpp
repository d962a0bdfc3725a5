// The key scheme. A tenant lives on one shard, chosen by CRC-32 (zlib's,
// so any language can compute it) of the tenant id modulo `shards`. Every
// key of shard N starts with "hd:{sN}": the hash tag puts the whole shard
// in one Redis Cluster slot, so each server-side function touches one slot.
//
//   hd:{sN}:meta          hash    shard number, shard count, limits (set by herald)
//   hd:{sN}:in:<channel>  stream  ingress, consumer group "workers"
//   hd:{sN}:retry         zset    deferred message ids by due time (ms)
//   hd:{sN}:deferred      hash    deferred message id -> its fields (JSON)
//   hd:{sN}:lease:<id>    string  send lease "<holder>|<until>" (service clock), PX max age
//   hd:{sN}:clock         hash    the shard's service clock (queue/lua/lease.lua)
//   hd:{sN}:done:<id>     string  delivered marker, EX delivered_ttl_s
//   hd:{sN}:dead          stream  dead letters, MAXLEN ~ dead_max
#pragma once

#include "core/message.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace herald::queue {

inline constexpr std::string_view group_name = "workers";

std::uint32_t shard_of(std::string_view tenant, std::uint32_t shards);
std::string shard_prefix(std::uint32_t shard);
std::string ingress_key(std::uint32_t shard, channel ch);
std::string dead_key(std::uint32_t shard);

}  // namespace herald::queue
