// A provider of any HTTP API, configured: base_url, method, headers and a
// JSON body template whose {to} {from} {body} {id} {encoding} {status_url}
// are replaced by the message's fields (JSON-escaped in the body,
// URL-escaped in the URL, as they are in headers). 2xx is accepted, with the
// provider's id from the answer's `id_field` when it is JSON; 429 retry,
// 5xx/401/403 failover, other 4xx permanent.
#include "sms/form.hpp"
#include "sms/providers/kinds.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace herald::sms {
namespace {

namespace json = boost::json;

enum class escape { header, json, url };

std::string escaped(std::string_view v, escape how) {
    if (how == escape::url) return url_escape(v);
    if (how == escape::header) {  // a value never ends the header line
        std::string out(v);
        for (auto& c : out)
            if (c == '\r' || c == '\n') c = ' ';
        return out;
    }
    auto quoted = json::serialize(json::string(v));  // "..." with JSON escapes
    return quoted.substr(1, quoted.size() - 2);
}

std::string expand(std::string_view tmpl, const sms_send& s, escape how) {
    const std::pair<std::string_view, std::string_view> fields[] = {
        {"{to}", s.to},
        {"{from}", s.from},
        {"{body}", s.body},
        {"{id}", s.id},
        {"{encoding}", to_string(s.encoding)},
        {"{status_url}", s.status_url}};
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        bool replaced = false;
        for (const auto& [name, value] : fields)
            if (tmpl.substr(i, name.size()) == name) {
                out += escaped(value, how);
                i += name.size();
                replaced = true;
                break;
            }
        if (!replaced) out += tmpl[i++];
    }
    return out;
}

class http_kind final : public provider {
public:
    using provider::provider;

    http_request request(const sms_send& given) const override {
        sms_send s = given;
        if (s.from.empty()) s.from = cfg_.from;
        http_request r;
        r.method = cfg_.method;
        r.url = expand(cfg_.base_url, s, escape::url);
        for (const auto& h : cfg_.headers)
            r.headers.push_back(expand(h, s, escape::header));
        if (r.method == "POST") r.body = expand(cfg_.body, s, escape::json);
        return r;
    }

    provider_answer classify(const http_response& r) const override {
        if (r.status >= 200 && r.status < 300) {
            std::error_code ec;
            const auto doc = json::parse(r.body, ec);
            const auto* obj = ec ? nullptr : doc.if_object();
            const auto* id = obj ? obj->if_contains(cfg_.id_field) : nullptr;
            std::string pid = !id               ? std::string()
                              : id->is_string() ? std::string(id->get_string())
                                                : json::serialize(*id);
            return provider_answer::accepted(pid, cfg_.name + " " + pid);
        }
        if (auto a = classify_status(cfg_.name, r)) return *a;
        return provider_answer::of(
            answer_class::permanent, "http_" + std::to_string(r.status),
            cfg_.name + " answered " + std::to_string(r.status) + ": " + body_excerpt(r.body));
    }
};

}  // namespace

std::unique_ptr<provider> make_http(const sms_provider_config& cfg) {
    return std::make_unique<http_kind>(cfg);
}

}  // namespace herald::sms
