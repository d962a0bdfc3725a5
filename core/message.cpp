#include "core/message.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace herald {
namespace json = boost::json;

namespace {

// The first thing wrong with a message: the field's path and what is wrong.
struct problem {
    std::string field, what;
};

// Reads one JSON object field by field, keeping the first problem with the
// field's path so the producer learns exactly what to fix.
class reader {
public:
    reader(const json::object& o, std::string path, const message_limits& lim, problem* p)
        : o_(o), path_(std::move(path)), lim_(lim), problem_(p) {}

    bool ok() const { return problem_->field.empty(); }

    void fail(std::string_view field, std::string_view what) {
        if (ok()) *problem_ = {path_ + std::string(field), std::string(what)};
    }

    std::string str(std::string_view field, bool required, std::size_t max = 0) {
        const auto* v = o_.if_contains(field);
        if (!v || v->is_null()) {
            if (required) fail(field, "is required");
            return {};
        }
        if (!v->is_string()) {
            fail(field, "must be a string");
            return {};
        }
        const auto& s = v->get_string();
        if (s.size() > (max ? max : lim_.max_field_bytes)) {
            fail(field, "is too long");
            return {};
        }
        if (required && s.empty()) fail(field, "must not be empty");
        return std::string(s);
    }

    // A body may be long, unlike a header field; the size cap is the
    // message's total, enforced at admission.
    std::string body(std::string_view field) { return str(field, false, std::size_t(-1)); }

    std::vector<std::string> list(std::string_view field, std::size_t max_items) {
        std::vector<std::string> out;
        const auto* v = o_.if_contains(field);
        if (!v || v->is_null()) return out;
        if (v->is_string()) {  // "to": "a@b" shorthand
            out.push_back(str(field, true));
            return out;
        }
        if (!v->is_array()) {
            fail(field, "must be a string or an array of strings");
            return out;
        }
        if (v->get_array().size() > max_items) fail(field, "has too many entries");
        for (const auto& e : v->get_array()) {
            if (!e.is_string() || e.get_string().empty() ||
                e.get_string().size() > lim_.max_field_bytes) {
                fail(field, "entries must be non-empty strings");
                break;
            }
            out.emplace_back(e.get_string());
        }
        return out;
    }

    const json::value* sub(std::string_view field) { return o_.if_contains(field); }
    const std::string& path() const { return path_; }

private:
    const json::object& o_;
    std::string path_;
    const message_limits& lim_;
    problem* problem_;
};

void read_headers(reader& r, const json::value* v, email_message& e, const message_limits& lim) {
    if (!v || v->is_null()) return;
    if (!v->is_object()) return r.fail("headers", "must be an object");
    const auto& o = v->get_object();
    if (o.size() > lim.max_headers)
        return r.fail("headers", std::to_string(o.size()) + " headers: at most " +
                                     std::to_string(lim.max_headers));
    std::size_t bytes = 0;
    for (const auto& [k, val] : o) {
        const std::string field = "headers." + std::string(k);
        if (!val.is_string()) return r.fail(field, "must be a string");
        if (k.empty()) return r.fail("headers", "names must not be empty");
        bytes += k.size() + val.get_string().size();
        if (bytes > lim.max_header_bytes)
            return r.fail(field, "the headers exceed " + std::to_string(lim.max_header_bytes) +
                                     " bytes in all");
        e.headers.emplace_back(std::string(k), std::string(val.get_string()));
    }
}

void read_attachments(reader& r, const json::value* v, email_message& e, const message_limits& lim,
                      problem* problem) {
    if (!v || v->is_null()) return;
    if (!v->is_array()) return r.fail("attachments", "must be an array");
    if (v->get_array().size() > lim.max_attachments)
        return r.fail("attachments", "at most " + std::to_string(lim.max_attachments));
    std::size_t i = 0;
    for (const auto& a : v->get_array()) {
        if (!a.is_object()) return r.fail("attachments", "entries must be objects");
        reader ar(a.get_object(), r.path() + "attachments[" + std::to_string(i++) + "].", lim,
                  problem);
        attachment at;
        at.filename = ar.str("filename", true);
        at.content_type = ar.str("content_type", false);
        if (at.content_type.empty()) at.content_type = "application/octet-stream";
        at.content_b64 = ar.body("content");
        at.content_id = ar.str("content_id", false);
        if (!ar.ok()) return;
        e.attachments.push_back(std::move(at));
    }
}

email_message read_email(reader& r, const message_limits& lim, problem* problem) {
    email_message e;
    e.from = r.str("from", true);
    e.to = r.list("to", lim.max_recipients);
    e.cc = r.list("cc", lim.max_recipients);
    e.bcc = r.list("bcc", lim.max_recipients);
    if (r.ok() && e.to.size() + e.cc.size() + e.bcc.size() == 0)
        r.fail("to", "at least one recipient is required");
    if (e.to.size() + e.cc.size() + e.bcc.size() > lim.max_recipients)
        r.fail("to", "too many recipients");
    e.reply_to = r.str("reply_to", false);
    e.subject = r.str("subject", false);
    e.text = r.body("text");
    e.html = r.body("html");
    read_headers(r, r.sub("headers"), e, lim);
    read_attachments(r, r.sub("attachments"), e, lim, problem);
    return e;
}

// A phone number's shape: digits and the punctuation people write numbers
// with, at most 32 bytes. Whether it is a number, and its E.164 form, is
// the sms folder's question (sms/validate.hpp), asked at every door.
bool is_phone_shaped(std::string_view n) {
    if (n.empty() || n.size() > 32) return false;
    bool digit = false;
    for (char c : n) {
        if (c >= '0' && c <= '9')
            digit = true;
        else if (c != '+' && c != ' ' && c != '-' && c != '.' && c != '(' && c != ')')
            return false;
    }
    return digit;
}

sms_message read_sms(reader& r, const message_limits& lim) {
    sms_message s;
    s.from = r.str("from", false);  // empty: the provider's sender ([[sms.providers]] from)
    s.to = r.str("to", true);
    if (r.ok() && !is_phone_shaped(s.to))
        r.fail("to",
               "must be a phone number: digits, spaces, + - . ( ), at most 32 characters, "
               "e.g. +14155550100");
    s.body = r.str("body", true, lim.max_sms_bytes);
    return s;
}

void read_common(reader& r, const message_limits& lim, message& m) {
    m.tags = r.list("tags", lim.max_tags);
    const auto* md = r.sub("metadata");
    if (!md || md->is_null()) return;
    if (!md->is_object()) return r.fail("metadata", "must be an object");
    if (md->get_object().size() > lim.max_metadata) return r.fail("metadata", "too many keys");
    for (const auto& [k, v] : md->get_object()) {
        if (!v.is_string()) return r.fail("metadata", "values must be strings");
        m.metadata.emplace(std::string(k), std::string(v.get_string()));
    }
}

json::array to_array(const std::vector<std::string>& v) {
    return json::array(v.begin(), v.end());
}

void put_if(json::object& o, std::string_view k, const std::string& v) {
    if (!v.empty()) o[k] = v;
}

json::object email_json(const email_message& e) {
    json::object o;
    o["from"] = e.from;
    o["to"] = to_array(e.to);
    if (!e.cc.empty()) o["cc"] = to_array(e.cc);
    if (!e.bcc.empty()) o["bcc"] = to_array(e.bcc);
    put_if(o, "reply_to", e.reply_to);
    put_if(o, "subject", e.subject);
    put_if(o, "text", e.text);
    put_if(o, "html", e.html);
    if (!e.headers.empty()) {
        json::object h;
        for (const auto& [k, v] : e.headers)
            h[k] = v;
        o["headers"] = std::move(h);
    }
    if (!e.attachments.empty()) {
        json::array a;
        for (const auto& at : e.attachments) {
            json::object x{{"filename", at.filename},
                           {"content_type", at.content_type},
                           {"content", at.content_b64}};
            put_if(x, "content_id", at.content_id);
            a.push_back(std::move(x));
        }
        o["attachments"] = std::move(a);
    }
    return o;
}

}  // namespace

result<message> parse_message(channel ch, const json::value& v, const message_limits& lim) {
    if (!v.is_object()) return make_error(errc::invalid_message, "message must be a JSON object");
    problem problem;
    reader r(v.get_object(), "", lim, &problem);
    message m;
    if (ch == channel::email)
        m.content = read_email(r, lim, &problem);
    else
        m.content = read_sms(r, lim);
    read_common(r, lim, m);
    if (!problem.field.empty()) {
        return at_field(make_error(errc::invalid_message, std::move(problem.what)),
                        std::move(problem.field));
    }
    return m;
}

result<void> validate_tenant(std::string_view tenant) {
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    };
    if (tenant.empty() || tenant.size() > 64 || !std::all_of(tenant.begin(), tenant.end(), allowed))
        return make_error(errc::invalid_message,
                          "tenant must be 1-64 characters of [A-Za-z0-9_.-]");
    return {};
}

result<message> parse_message(channel ch, std::string_view text, const message_limits& lim) {
    if (text.size() > lim.max_message_bytes)
        return make_error(errc::payload_too_large, "message is " + std::to_string(text.size()) +
                                                       " bytes, limit " +
                                                       std::to_string(lim.max_message_bytes));
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return make_error(errc::invalid_message, "not valid JSON: " + ec.message());
    return parse_message(ch, v, lim);
}

std::string serialize(const message& m) {
    json::object o;
    if (const auto* e = std::get_if<email_message>(&m.content))
        o = email_json(*e);
    else {
        const auto& s = std::get<sms_message>(m.content);
        o = {{"from", s.from}, {"to", s.to}, {"body", s.body}};
    }
    if (!m.tags.empty()) o["tags"] = to_array(m.tags);
    if (!m.metadata.empty()) {
        json::object md;
        for (const auto& [k, v] : m.metadata)
            md[k] = v;
        o["metadata"] = std::move(md);
    }
    return json::serialize(o);
}

}  // namespace herald
