#include "api/json_body.hpp"

#include "api/errors.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace herald::api {
namespace {

namespace json = boost::json;

constexpr std::size_t k_max_depth = 32;

// Boost.JSON's own value-building handler, plus the keys seen at each open
// object, so that a repeated key is caught where it occurs.
struct strict_handler {
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    struct level {
        bool object;
        std::size_t done = 0;           // arrays: elements completed
        std::vector<std::string> keys;  // objects: keys so far (objects here are small)
    };

    json::value_stack st;
    std::vector<level> levels;
    std::string key;
    std::string duplicate;  // the path of the first repeated key

    std::string path() const {
        std::string p;
        for (const auto& l : levels) {
            if (l.object) {
                if (!l.keys.empty()) p += (p.empty() ? "" : ".") + l.keys.back();
            } else {
                p += "[" + std::to_string(l.done) + "]";
            }
        }
        return p;
    }
    bool value_done() {
        if (!levels.empty() && !levels.back().object) ++levels.back().done;
        return true;
    }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        levels.push_back({true});
        return true;
    }
    bool on_object_end(std::size_t n, json::error_code&) {
        levels.pop_back();
        st.push_object(n);
        return value_done();
    }
    bool on_array_begin(json::error_code&) {
        levels.push_back({false});
        return true;
    }
    bool on_array_end(std::size_t n, json::error_code&) {
        levels.pop_back();
        st.push_array(n);
        return value_done();
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        key.append(s.data(), s.size());
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        key.append(s.data(), s.size());
        auto& keys = levels.back().keys;
        if (duplicate.empty() && std::find(keys.begin(), keys.end(), key) != keys.end()) {
            keys.push_back(key);
            duplicate = path();
        } else {
            keys.push_back(key);
        }
        key.clear();
        st.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        st.push_string(s);
        return value_done();
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        st.push_int64(i);
        return value_done();
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        st.push_uint64(u);
        return value_done();
    }
    bool on_double(double d, json::string_view, json::error_code&) {
        st.push_double(d);
        return value_done();
    }
    bool on_bool(bool b, json::error_code&) {
        st.push_bool(b);
        return value_done();
    }
    bool on_null(json::error_code&) {
        st.push_null();
        return value_done();
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

result<json::value> parse_json_body(std::string_view body) {
    json::parse_options opt;
    opt.max_depth = k_max_depth;
    json::basic_parser<strict_handler> p(opt);
    p.handler().st.reset();
    json::error_code ec;
    const auto used = p.write_some(false, body.data(), body.size(), ec);
    if (!ec && used < body.size()) ec = json::error::extra_data;
    if (ec) {
        return make_error(api_errc::invalid_json, "not valid JSON in UTF-8 at byte " +
                                                      std::to_string(used) + ": " + ec.message());
    }
    if (!p.handler().duplicate.empty()) {
        return at_field(make_error(api_errc::invalid_json, "the same key appears twice"),
                        p.handler().duplicate);
    }
    return p.handler().st.release();
}

result<json::object> parse_json_object(std::string_view body) {
    auto v = parse_json_body(body);
    if (!v) return v.error();
    if (!v->is_object())
        return make_error(api_errc::invalid_json, "the body must be a JSON object");
    return std::move(v->get_object());
}

result<void> only_known_fields(const json::object& o, std::span<const std::string_view> known,
                               std::string_view path) {
    for (const auto& kv : o) {
        if (std::find(known.begin(), known.end(), std::string_view(kv.key())) != known.end())
            continue;
        std::string field(path);
        if (!field.empty()) field += '.';
        field.append(kv.key().data(), kv.key().size());
        return at_field(make_error(api_errc::unknown_field, "no such field"), std::move(field));
    }
    return {};
}

}  // namespace herald::api
