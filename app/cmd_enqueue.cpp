// `herald enqueue`: one message from flags or a JSON file, through the
// same admission function every producer uses. Prints {"id": ...}, or a
// JSON error with its stable code and HTTP status and exits 1.
#include "app/commands.hpp"
#include "app/setup.hpp"
#include "core/log.hpp"
#include "dedupe/admission.hpp"
#include "mime/validate.hpp"
#include "queue/producer.hpp"
#include "sms/validate.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace herald::app {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace po = boost::program_options;

struct enqueue_flags {
    std::string config, tenant, channel = "email", file, idempotency_key;
    std::string from, reply_to, subject, text, html, body;
    std::vector<std::string> to, cc, bcc, tags;
};

result<std::string> read_file(const std::string& path) {
    std::stringstream ss;
    if (path == "-") {
        ss << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) return make_error(errc::invalid_argument, "cannot read " + path);
        ss << in.rdbuf();
    }
    return ss.str();
}

json::array strings(const std::vector<std::string>& v) {
    return json::array(v.begin(), v.end());
}

// The message as JSON, from --file or from the flags: one validation path.
result<std::string> message_json(const enqueue_flags& f) {
    if (!f.file.empty()) return read_file(f.file);
    json::object o{{"from", f.from}};
    if (f.channel == "sms") {
        o["to"] = f.to.empty() ? std::string() : f.to.front();
        o["body"] = f.body;
    } else {
        o["to"] = strings(f.to);
        if (!f.cc.empty()) o["cc"] = strings(f.cc);
        if (!f.bcc.empty()) o["bcc"] = strings(f.bcc);
        if (!f.reply_to.empty()) o["reply_to"] = f.reply_to;
        if (!f.subject.empty()) o["subject"] = f.subject;
        if (!f.text.empty()) o["text"] = f.text;
        if (!f.html.empty()) o["html"] = f.html;
    }
    if (!f.tags.empty()) o["tags"] = strings(f.tags);
    return json::serialize(o);
}

// The flags, or nothing with `status` set: 0 after --help, 2 on a usage error.
std::optional<enqueue_flags> parse_flags(const args& a, int& status) {
    enqueue_flags f;
    po::options_description opts("herald enqueue [options]");
    auto add = opts.add_options();
    add("help,h", "this help");
    add("config,c", po::value(&f.config), "configuration file");
    add("tenant,t", po::value(&f.tenant)->required(), "tenant id");
    add("channel", po::value(&f.channel), "email (default) or sms");
    add("file,f", po::value(&f.file), "the message as a JSON file ('-' for stdin)");
    add("from", po::value(&f.from), "sender address or SMS sender id");
    add("to", po::value(&f.to), "recipient (repeat for more)");
    add("cc", po::value(&f.cc), "cc");
    add("bcc", po::value(&f.bcc), "bcc");
    add("reply-to", po::value(&f.reply_to), "reply-to address");
    add("subject", po::value(&f.subject), "subject");
    add("text", po::value(&f.text), "plain text body");
    add("html", po::value(&f.html), "HTML body");
    add("body", po::value(&f.body), "SMS text");
    add("tag", po::value(&f.tags), "tag (repeat for more)");
    add("idempotency-key", po::value(&f.idempotency_key),
        "repeat-safe key: the same key answers the first request again");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(a).options(opts).run(), vm);
        if (vm.count("help")) {
            std::cout << opts;
            status = 0;
            return std::nullopt;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "herald: " << e.what() << "\n" << opts;
        status = 2;
        return std::nullopt;
    }
    return f;
}

// An SMS's numbers in E.164 (sms/validate.hpp), before the dedupe hash is
// taken; the tenant's region is read only for a national number.
asio::awaitable<result<void>> normalize_sms(redis::client& redis, const config& cfg,
                                            const std::string& tenant, message& m) {
    auto* s = std::get_if<sms_message>(&m.content);
    if (!s) co_return result<void>{};
    std::string region;
    if (sms::needs_region(*s)) {
        auto r = co_await sms::default_region_of(redis, cfg, tenant);
        if (!r) co_return r.error();
        region = std::move(*r);
    }
    co_return sms::normalize(*s, region);
}

}  // namespace

int cmd_enqueue(const args& a) {
    int status = 0;
    auto f = parse_flags(a, status);
    if (!f) return status;
    auto cfg = load_tool_config(f->config);
    if (!cfg) return 1;
    auto ch = parse_channel(f->channel);
    if (!ch)
        return print_error(make_error(errc::invalid_argument, "--channel must be email or sms"));
    auto text = message_json(*f);
    if (!text) return print_error(text.error());
    auto msg = parse_message(*ch, *text);
    if (!msg) return print_error(msg.error());
    if (auto ok = mime::validate(*msg); !ok) return print_error(ok.error());
    std::optional<result<queue::admitted>> answer;
    const int rc = with_redis(*cfg, [&](redis::client& redis) -> asio::awaitable<int> {
        auto normal = co_await normalize_sms(redis, *cfg, f->tenant, *msg);
        if (!normal) {
            answer = normal.error();
            co_return 0;
        }
        std::vector<queue::admission> one{
            dedupe::admission_of(f->tenant, *msg, serialize(*msg), f->idempotency_key)};
        queue::producer producer(redis, cfg->queue.shards);
        auto r = co_await producer.admit_batch(one);
        answer = std::move(r.front());
        co_return 0;
    });
    if (rc != 0) return rc;
    if (!answer || !*answer)
        return print_error(answer ? answer->error() : make_error(errc::internal, "no answer"));
    const auto& got = **answer;
    json::object out{{"id", got.id.str()}, {"tenant", f->tenant}};
    if (got.duplicate) out["duplicate_of"] = got.id.str();
    if (got.replay) out["idempotent_replay"] = true;
    std::cout << json::serialize(out) << "\n";
    return 0;
}

}  // namespace herald::app
