#include "domains/spf/evaluation.hpp"

#include <boost/json/array.hpp>

namespace herald::domains::spf {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
    json::array out;
    for (const auto& s : v)
        out.emplace_back(s);
    return out;
}

}  // namespace

json::object to_json(const evaluation& e) {
    json::array trace;
    for (const auto& s : e.trace)
        trace.push_back(json::object{{"domain", s.domain},
                                     {"term", s.term},
                                     {"lookup", s.lookup},
                                     {"answers", strings(s.answers)},
                                     {"lookups_so_far", s.lookups_so_far},
                                     {"void_lookups_so_far", s.void_so_far},
                                     {"outcome", s.outcome}});
    json::object out{
        {"result", to_string(e.code)},
        {"decided_by", e.decided_by},
        {"dns_lookups", e.dns_lookups},
        {"void_lookups", e.void_lookups},
        {"limits", json::object{{"dns_lookups", e.max_lookups}, {"void_lookups", e.max_void}}},
        {"warnings", strings(e.warnings)},
        {"trace", std::move(trace)}};
    if (e.code == result::fail) {
        out["explanation"] = e.explanation;
        out["explanation_published"] = e.explanation_published;
    }
    return out;
}

}  // namespace herald::domains::spf
