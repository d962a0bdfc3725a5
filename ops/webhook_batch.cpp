#include "ops/webhook_batch.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace herald::ops {

namespace json = boost::json;

std::optional<webhook_event> parse_event(std::string stream_id, const redis::reply& fields) {
    webhook_event e;
    e.stream_id = std::move(stream_id);
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const std::string& name = fields[i].str;
        const std::string& value = fields[i + 1].str;
        if (name == "type") e.type = value;
        if (name == "tenant") e.tenant = value;
        if (name == "ts" || name == "at") {
            std::int64_t ms = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
            if (ec == std::errc{} && end == value.data() + value.size()) {
                e.json["ts"] = ms;
                continue;
            }
        }
        e.json[name] = value;
    }
    if (e.type.empty()) return std::nullopt;
    return e;
}

std::string batch_id(std::string_view endpoint, std::string_view first_stream_id) {
    std::string id(endpoint);
    id += '-';
    id += first_stream_id;
    return id;
}

std::string batch_body(std::string_view batch_id, std::string_view tenant,
                       const std::vector<const webhook_event*>& events) {
    json::array list;
    list.reserve(events.size());
    for (const auto* e : events)
        list.push_back(e->json);
    return json::serialize(
        json::object{{"id", batch_id}, {"tenant", tenant}, {"events", std::move(list)}});
}

}  // namespace herald::ops
