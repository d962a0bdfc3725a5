#include "domains/verdict.hpp"

#include <boost/json/array.hpp>

namespace herald::domains {

std::string_view to_string(verdict_status s) noexcept {
    switch (s) {
        case verdict_status::pass:
            return "pass";
        case verdict_status::fail:
            return "fail";
        case verdict_status::temperror:
            return "temperror";
    }
    return "fail";
}

boost::json::object to_json(const verdict& v) {
    boost::json::array answers(v.answers.begin(), v.answers.end());
    boost::json::array warnings(v.warnings.begin(), v.warnings.end());
    return {{"record", v.record},
            {"status", to_string(v.status)},
            {"reason", v.reason},
            {"answers", std::move(answers)},
            {"warnings", std::move(warnings)},
            {"details", v.details}};
}

}  // namespace herald::domains
