#include "queue/stream_entry.hpp"

#include <charconv>

namespace herald::queue {
namespace {

error malformed(std::string what) {
    return make_error(errc::invalid_message, std::move(what));
}

template <class T>
bool to_number(const std::string& s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

queued_message unreadable_entry(std::uint32_t shard, channel ch, std::string entry_id,
                                const redis::reply& fields) {
    queued_message m;
    m.shard = shard;
    m.ch = ch;
    if (auto id = message_id::from_entry(entry_id, ch, shard))
        m.id = *id;
    else
        m.id = message_id{0, 0, ch, shard};
    m.entry_id = std::move(entry_id);
    for (std::size_t i = 0; fields.is_array() && i + 1 < fields.size(); i += 2) {
        const auto& k = fields[i].str;
        if (k == "tenant" && validate_tenant(fields[i + 1].str)) m.tenant = fields[i + 1].str;
        if (k == "id")
            if (auto id = message_id::parse(fields[i + 1].str)) m.id = *id;
    }
    return m;
}

result<queued_message> decode_entry(std::uint32_t shard, channel ch, std::string entry_id,
                                    const redis::reply& fields, const message_limits& limits) {
    if (!fields.is_array() || fields.size() % 2 != 0) return malformed("entry has no field list");
    const std::string *tenant = nullptr, *payload = nullptr, *created = nullptr, *expires = nullptr,
                      *attempt = nullptr, *id = nullptr, *version = nullptr, *units = nullptr;
    for (std::size_t i = 0; i < fields.size(); i += 2) {
        const auto& k = fields[i].str;
        const auto* v = &fields[i + 1].str;
        if (k == "tenant")
            tenant = v;
        else if (k == "payload")
            payload = v;
        else if (k == "created")
            created = v;
        else if (k == "expires")
            expires = v;
        else if (k == "attempt")
            attempt = v;
        else if (k == "id")
            id = v;
        else if (k == "v")
            version = v;
        else if (k == "units")
            units = v;
    }
    if (!version || *version != "1") return malformed("field v: schema version must be 1");
    if (!tenant || tenant->empty()) return malformed("field tenant is missing");
    if (!payload) return malformed("field payload is missing");

    queued_message q;
    q.shard = shard;
    q.ch = ch;
    q.tenant = *tenant;
    if (!created || !to_number(*created, q.created))
        return malformed("field created is not a number");
    if (!expires || !to_number(*expires, q.expires))
        return malformed("field expires is not a number");
    if (!attempt || !to_number(*attempt, q.attempt) || q.attempt < 0)
        return malformed("field attempt is not a count");
    if (units && (!to_number(*units, q.units) || q.units < 1))
        return malformed("field units is not a positive count");
    q.payload_bytes = payload->size();
    if (id) {
        auto parsed = message_id::parse(*id);
        if (!parsed) return malformed("field id is not a message id");
        q.id = *parsed;
    } else {
        auto derived = message_id::from_entry(entry_id, ch, shard);
        if (!derived) return malformed("entry id " + entry_id + " is not a stream id");
        q.id = *derived;
    }
    auto m = parse_message(ch, *payload, limits);
    if (!m) return malformed("field payload: " + m.error().to_string());
    q.msg = std::move(*m);
    q.entry_id = std::move(entry_id);
    return q;
}

}  // namespace herald::queue
