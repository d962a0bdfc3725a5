#include "dedupe/admission.hpp"

#include "dedupe/content_hash.hpp"
#include "mime/address.hpp"

namespace herald::dedupe {
namespace {

// The From domain as the sender-domain guard compares it: a lower-case
// A-label. Empty for SMS, or when it is not a domain (the message's
// validation refuses that; the guard then reads the payload itself).
std::string from_domain(const message& m) {
    const auto* e = std::get_if<email_message>(&m.content);
    if (!e) return {};
    const std::string from = normalize_address(e->from);
    const auto at = from.rfind('@');
    if (at == std::string::npos) return {};
    auto ascii = mime::to_ascii_domain(std::string_view(from).substr(at + 1));
    return ascii ? std::move(*ascii) : std::string();
}

}  // namespace

queue::admission admission_of(std::string tenant, const message& m, std::string payload,
                              std::string idempotency_key) {
    queue::admission a{.tenant = std::move(tenant),
                       .ch = m.kind(),
                       .payload = std::move(payload),
                       .idempotency_key = std::move(idempotency_key),
                       .recipients = recipients(m),
                       .from_domain = from_domain(m)};
    a.content_hash = content_hash(a.tenant, m);
    return a;
}

result<queue::admission> admission_of(std::string tenant, channel ch, std::string json,
                                      std::string idempotency_key) {
    auto m = parse_message(ch, json);
    if (!m) return m.error();
    return admission_of(std::move(tenant), *m, std::move(json), std::move(idempotency_key));
}

}  // namespace herald::dedupe
