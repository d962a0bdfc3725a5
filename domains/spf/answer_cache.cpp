#include "domains/spf/answer_cache.hpp"

#include "dns/answer.hpp"

#include <algorithm>
#include <cctype>

namespace herald::domains::spf {

answer_cache::answer_cache(std::size_t max_entries, std::chrono::seconds max_ttl)
    : max_entries_(std::max<std::size_t>(max_entries, 1)), max_ttl_(max_ttl) {}

std::string answer_cache::key_of(int type, const std::string& name) {
    std::string k = std::to_string(type) + ' ';
    for (unsigned char c : name)
        k += static_cast<char>(std::tolower(c));
    return k;
}

const dns::raw_answer* answer_cache::find(int type, const std::string& name,
                                          clock::time_point now) {
    auto it = map_.find(key_of(type, name));
    if (it == map_.end()) {
        ++misses_;
        return nullptr;
    }
    if (it->second->expires <= now) {
        lru_.erase(it->second);
        map_.erase(it);
        ++misses_;
        return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    ++hits_;
    return &lru_.front().answer;
}

void answer_cache::store(int type, const std::string& name, dns::raw_answer a,
                         clock::time_point now) {
    auto ttl = dns::answer_ttl(a);
    if (!ttl || *ttl == 0) return;
    auto life = std::min<std::chrono::seconds>(std::chrono::seconds(*ttl), max_ttl_);
    auto key = key_of(type, name);
    if (auto it = map_.find(key); it != map_.end()) {
        lru_.erase(it->second);
        map_.erase(it);
    }
    while (map_.size() >= max_entries_) {
        map_.erase(lru_.back().key);
        lru_.pop_back();
    }
    lru_.push_front({key, std::move(a), now + life});
    map_.emplace(std::move(key), lru_.begin());
}

}  // namespace herald::domains::spf
